using System.Net.WebSockets;
using Micro.ServerSentEvents;
using Micro.Testing;
using Micro.WebSockets;
using ClientMessageType = System.Net.WebSockets.WebSocketMessageType;
using ClientCloseStatus = System.Net.WebSockets.WebSocketCloseStatus;
using ClientState = System.Net.WebSockets.WebSocketState;

namespace Micro.Tests.App;

/// <summary>
/// Issue 23, testing: the in-memory host has a WebSocket client of .NET's own shape, and a test reads an event stream
/// and ends it at once (the handler learns it then, not at its next heartbeat).
/// </summary>
public sealed class TestHostStreamsTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_WebSocket_in_memory_echoes_sees_the_handshake_headers_and_closes_cleanly()
    {
        var app = new MicroApp();
        app.WebSocket("/echo", async (socket, req) =>
        {
            await socket.SendAsync($"hello {req.Header("X-User") ?? "anonymous"}");
            await foreach (var message in socket)
            {
                await socket.SendAsync(message.Data, message.Type);
            }
        });
        app.WebSocket("/private", (req, res, next) =>
        {
            res.Status(401).Send("Sign in first.");
            return default;
        }, async (socket, req) => await socket.SendAsync("never"));
        await using var host = new MicroTestHost(app);
        using var deadline = new CancellationTokenSource(Deadline);

        using var socket = await host.ConnectWebSocketAsync("/echo", new Dictionary<string, string> { ["X-User"] = "ada" }, cancellationToken: deadline.Token);
        Assert.Equal("hello ada", await ReceiveTextAsync(socket, deadline.Token));
        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), ClientMessageType.Text, endOfMessage: true, deadline.Token);
        Assert.Equal("ping", await ReceiveTextAsync(socket, deadline.Token));
        await socket.CloseAsync(ClientCloseStatus.NormalClosure, "done", deadline.Token);
        Assert.Equal(ClientState.Closed, socket.State);
        Assert.Equal(ClientCloseStatus.NormalClosure, socket.CloseStatus);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => host.ConnectWebSocketAsync("/private", cancellationToken: deadline.Token));
        Assert.Contains("'401'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_test_reads_an_event_stream_in_memory_and_ends_it_at_once()
    {
        var handlerSawTheEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp();
        app.Get("/events", async (req, res) =>
        {
            var events = res.EventStream();
            events.StartHeartbeats(TimeSpan.FromMinutes(10)); // no write would come for ten minutes
            await events.SendEventAsync("first");
            try
            {
                await Task.Delay(Timeout.Infinite, events.Closing);
            }
            catch (OperationCanceledException)
            {
                handlerSawTheEnd.TrySetResult();
            }
        });
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient();
        using var deadline = new CancellationTokenSource(Deadline);
        using (var response = await client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
            Assert.Equal("data: first", await reader.ReadLineAsync(deadline.Token));
        } // the test is done with the stream: disposing the response closes its connection
        await handlerSawTheEnd.Task.WaitAsync(deadline.Token);
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, cancellationToken);
        Assert.Equal(ClientMessageType.Text, received.MessageType);
        return Encoding.UTF8.GetString(buffer, 0, received.Count);
    }
}
