using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>An app with WebSocket routes on 127.0.0.1 port 0 for one test: echo, route parameters, middleware, failures.</summary>
internal sealed class WebSocketApp : IAsyncDisposable
{
    public WebSocketApp(Action<MicroApp>? configure = null, WebSocketOptions? options = null)
    {
        App = new MicroApp(new MicroServerOptions { ReactorCount = 2 });
        Options = options ?? new WebSocketOptions();
        App.Get("/plain", (req, res) => res.Send("plain"));
        App.WebSocket("/echo", async (ws, req) =>
        {
            await foreach (var message in ws)
            {
                await ws.SendAsync(message.Data, message.Type);
            }
            Ended.TrySetResult((ws.CloseStatus, ws.CloseDescription));
        }, Options);
        App.WebSocket("/rooms/:room", async (ws, req) =>
        {
            await ws.SendAsync($"room {req.Params["room"]}, query {req.Query["name"]}");
            await foreach (var message in ws)
            {
                await ws.SendAsync($"{req.Params["room"]}: {message.Text}");
            }
        }, Options);
        configure?.Invoke(App);
        App.Listen(0);
    }

    public MicroApp App { get; }

    public WebSocketOptions Options { get; }

    /// <summary>Set when the echo handler's loop ends, with the close status it saw.</summary>
    public TaskCompletionSource<(int? Status, string? Description)> Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IPEndPoint EndPoint => App.EndPoints[0];

    public Uri Url(string path) => new($"ws://{EndPoint}{path}");

    public async ValueTask DisposeAsync() => await App.StopAsync();
}
