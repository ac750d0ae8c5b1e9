using System.Net.WebSockets;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The inline schedule's promise, where the server's own code awaits: what an inline app waits for goes on on its
/// reactor, without a trip through the thread pool and a wake to come back (HostingTests has the body's and the
/// response's waits).
/// </summary>
public sealed class InlineSchedulingTests
{
    [Fact]
    public async Task Inline_OnStarting_and_OnCompleted_callbacks_that_await_go_on_on_the_reactor()
    {
        // The server awaited them with ConfigureAwait(false): the runtime runs no such continuation on a thread with a
        // context, so the rest of the response went through the thread pool and was posted back.
        const int Requests = 50;
        var threads = new System.Collections.Concurrent.ConcurrentBag<string?>();
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web => web.MapGet("/callbacks", async (HttpContext context) =>
        {
            context.Response.OnStarting(async () =>
            {
                await Task.Yield();
                context.Response.Headers["X-Started"] = Thread.CurrentThread.Name;
            });
            context.Response.OnCompleted(async () =>
            {
                await Task.Yield();
                threads.Add(Thread.CurrentThread.Name);
            });
            await context.Response.WriteAsync("body");
            threads.Add(Thread.CurrentThread.Name);
        }), micro: options => options.Server.ReactorCount = 1);
        var wakes = await app.WakesWhileAnsweringAsync("GET /callbacks HTTP/1.1\r\nHost: x\r\n\r\n", Requests,
            answer => Assert.Equal((200, "body", "Micro reactor 0"), (answer.Status, answer.Body, answer.Headers["x-started"])));
        Assert.All(threads, name => Assert.Equal("Micro reactor 0", name));
        Assert.True(wakes <= 2, $"the reactor was woken from other threads {wakes} times for {Requests} requests");
    }

    [Theory]
    [OnEveryServer]
    public async Task An_OnStarting_callback_that_throws_after_an_await_is_answered_as_Kestrel_answers_it_and_the_server_goes_on(ServerKind server)
    {
        // The path the inline fix moved onto the reactor, when it fails.
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/fails-starting", (HttpContext context) =>
            {
                context.Response.OnStarting(async () =>
                {
                    await Task.Yield();
                    throw new InvalidOperationException("OnStarting failed after an await");
                });
                return Task.CompletedTask;
            });
            web.MapGet("/ok", () => "ok");
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /fails-starting HTTP/1.1\r\nHost: x\r\n\r\n");
        var (status, _, _) = await client.ReadResponseAsync();
        Assert.Equal(500, status);
        await client.SendAsync("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
        var (okStatus, _, okBody) = await client.ReadResponseAsync();
        Assert.Equal((200, "ok"), (okStatus, okBody));
        await app.AssertServesNewConnectionsAsync();
    }

    [Fact]
    public async Task Inline_an_echoing_websocket_is_served_on_the_reactor_without_a_wake_per_message()
    {
        // The upgraded stream completed its reads and writes with continuations run asynchronously, and the runtime's
        // WebSocket awaits them with ConfigureAwait(false): each message went on on a thread pool thread, and the app,
        // awaiting on the reactor's context, was posted back with a wake.
        const int Messages = 50;
        var threads = new System.Collections.Concurrent.ConcurrentBag<string?>();
        await using var app = await ServedApp.StartAsync(ServerKind.MicroInline, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[4096];
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                    threads.Add(Thread.CurrentThread.Name);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                        return;
                    }
                    await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
                }
            });
        }, micro: options => options.Server.ReactorCount = 1);
        var reactor = app.FirstReactor;
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None);
        var reply = new byte[4096];
        await EchoAsync(client, "warm-up", reply);
        var wakesBefore = reactor.Wakes;
        for (var i = 0; i < Messages; i++)
        {
            Assert.Equal($"message {i}", await EchoAsync(client, $"message {i}", reply));
        }
        var wakes = reactor.Wakes - wakesBefore;
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal("bye", client.CloseStatusDescription);
        Assert.All(threads, name => Assert.Equal("Micro reactor 0", name)); // the app's code stays on its reactor
        Assert.True(wakes <= 2, $"the reactor was woken from other threads {wakes} times for {Messages} messages");
    }

    private static async Task<string> EchoAsync(ClientWebSocket client, string text, byte[] reply)
    {
        await client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        var received = await client.ReceiveAsync(reply, CancellationToken.None);
        Assert.True(received.EndOfMessage);
        return Encoding.UTF8.GetString(reply, 0, received.Count);
    }
}
