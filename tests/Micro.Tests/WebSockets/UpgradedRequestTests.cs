using Micro.WebSockets;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.WebSockets;

/// <summary>
/// A WebSocket handler's request is a compact copy made at the switch (its exchange goes back to the pool at once):
/// everything the handler can read must stay as it was, however many requests reuse that exchange meanwhile.
/// </summary>
public sealed class UpgradedRequestTests
{
    [Fact]
    public async Task The_handlers_request_keeps_route_query_headers_and_middleware_items_while_its_exchange_serves_others()
    {
        var aborted = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketApp(app =>
        {
            app.ServerOptions.ReactorCount = 1; // one pool of exchanges: the upgraded one is the next rented
            app.Use((req, res, next) =>
            {
                req.Items["user"] = req.Header("Authorization")?.Replace("Bearer ", "");
                return next.Invoke();
            });
            app.WebSocket("/users/:id/feed", async (ws, req) =>
            {
                var id = req.Params["id"];
                req.Aborted.Register(() => aborted.TrySetResult(id!));
                await foreach (var message in ws)
                {
                    await ws.SendAsync(string.Join('|', message.Text, req.Method, req.Path, req.Params["id"], req.Params.GetInt("id"), req.Query["q"],
                        req.Header("X-Trace"), req.Headers["X-Trace"], req.Host, req.Items["user"], req.Cookies["theme"], req.Body.Length,
                        req.RemoteEndPoint!.Address, ws.RemoteEndPoint!.Port == req.RemoteEndPoint.Port, req.Aborted.IsCancellationRequested));
                }
            });
        });
        var (first, head1) = await RawWebSocket.ConnectAsync(server.EndPoint, "/users/41/feed?q=caf%C3%A9",
            "Authorization: Bearer ana\r\nX-Trace: one\r\nCookie: theme=dark\r\n");
        var (second, head2) = await RawWebSocket.ConnectAsync(server.EndPoint, "/users/7/feed?q=two", "Authorization: Bearer bob\r\nX-Trace: two\r\nCookie: theme=light\r\n");
        Assert.StartsWith("HTTP/1.1 101", head1);
        Assert.StartsWith("HTTP/1.1 101", head2);
        using (var http = new HttpClient())
        {
            for (var i = 0; i < 20; i++) // the exchanges both upgrades came in are rented again, with other heads
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{server.EndPoint}/plain?{new string('z', 100 * i)}");
                request.Headers.Add("X-Trace", new string('x', 50 * i));
                request.Headers.Add("Authorization", "Bearer mallory");
                Assert.Equal("plain", await (await http.SendAsync(request)).Content.ReadAsStringAsync());
            }
        }
        await first.SendTextAsync("a");
        Assert.Equal("a|GET|/users/41/feed|41|41|café|one|one|test|ana|dark|0|127.0.0.1|True|False", (await first.ReadFrameAsync())!.Text);
        await second.SendTextAsync("b");
        Assert.Equal("b|GET|/users/7/feed|7|7|two|two|two|test|bob|light|0|127.0.0.1|True|False", (await second.ReadFrameAsync())!.Text);

        await first.DisposeAsync(); // gone without a Close frame: the request's Aborted fires, for this connection only
        Assert.Equal("41", await aborted.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        await second.SendTextAsync("c");
        Assert.EndsWith("|False", (await second.ReadFrameAsync())!.Text);
        await second.DisposeAsync();
    }

    [Fact]
    public async Task Services_a_handler_asks_its_request_for_live_as_long_as_the_connection_and_are_disposed_when_it_ends()
    {
        var builder = MicroApp.CreateBuilder([]);
        builder.Services.AddScoped<Session>();
        var app = builder.Build();
        app.ServerOptions.ReactorCount = 2;
        Session? middlewareSession = null;
        var handlerSession = new TaskCompletionSource<Session>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Use((req, res, next) =>
        {
            middlewareSession = req.Services.GetRequiredService<Session>();
            return next.Invoke();
        });
        app.WebSocket("/session", async (ws, req) =>
        {
            var session = req.Services.GetRequiredService<Session>();
            handlerSession.TrySetResult(session);
            await foreach (var message in ws)
            {
                await ws.SendAsync($"{ReferenceEquals(session, req.Services.GetRequiredService<Session>())} {session.Disposed.Task.IsCompleted}");
            }
        });
        app.Listen(0);
        try
        {
            var (client, head) = await RawWebSocket.ConnectAsync(app.EndPoints[0], "/session");
            Assert.StartsWith("HTTP/1.1 101", head);
            await client.SendTextAsync("same?");
            Assert.Equal("True False", (await client.ReadFrameAsync())!.Text); // one scope for the connection's life
            var session = await handlerSession.Task;
            Assert.NotSame(middlewareSession, session); // the handshake's own scope ended with the handshake
            await middlewareSession!.Disposed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await client.SendFrameAsync(8, RawWebSocket.ClosePayload(1000));
            Assert.Equal(1000, (await client.ReadCloseAsync()).CloseCode);
            await session.Disposed.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await client.DisposeAsync();
        }
        finally
        {
            await app.StopAsync();
        }
    }

    private sealed class Session : IDisposable
    {
        public TaskCompletionSource Disposed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Dispose() => Disposed.TrySetResult();
    }
}
