using System.Net.Sockets;
using System.Net.WebSockets;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// How a request's run ends when its client is gone or its connection switched, on every server: nothing of a
/// request reaches the next one its pooled state serves, an upgraded connection ends with its app, and a client
/// that hangs up is not the app's failure.
/// </summary>
public sealed class RequestEndTests
{
    [Theory]
    [OnEveryServer]
    public async Task Websockets_opened_and_closed_by_many_clients_at_once_are_each_switched_and_echoed(ServerKind server)
    {
        // Each request's state is pooled: an upgraded request that ends must leave nothing to run later on its
        // state, which by then serves another upgrade (its 101 answered as a 500 or a 200, its switch failing).
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[64];
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, true, context.RequestAborted);
                await socket.ReceiveAsync(buffer, context.RequestAborted); // the client's close
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
            });
        });
        await Task.WhenAll(Enumerable.Range(0, 16).Select(client => Task.Run(async () =>
        {
            for (var round = 0; round < 25; round++)
            {
                using var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
                var text = $"client {client} round {round}";
                await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
                var buffer = new byte[64];
                var echoed = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
                Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, echoed.Count));
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
            }
        })));
        Assert.DoesNotContain(app.Log.Entries, entry => entry.Level >= LogLevel.Error);
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task An_app_that_returns_without_closing_its_websocket_ends_the_connection(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
#pragma warning disable CA2000 // the careless app under test: it never disposes its WebSocket
                var socket = await context.WebSockets.AcceptWebSocketAsync();
#pragma warning restore CA2000
                await socket.SendAsync("bye"u8.ToArray(), WebSocketMessageType.Text, true, context.RequestAborted);
            });
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None);
        var buffer = new byte[16];
        var first = await client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("bye", Encoding.UTF8.GetString(buffer, 0, first.Count));
        // The app is done: the connection ends (without a close frame, so the client reports it closed prematurely),
        // rather than staying open with nothing behind it until a timeout.
        var ended = await Assert.ThrowsAsync<WebSocketException>(() => client.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Equal(WebSocketError.ConnectionClosedPrematurely, ended.WebSocketErrorCode);
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task A_client_that_hangs_up_while_the_app_waits_on_RequestAborted_is_not_logged_as_the_apps_failure(ServerKind server)
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var completed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/wait", async (HttpContext context) =>
        {
            // Runs after the server has dealt with the app's exception (and logged it, if it does): the point to look.
            context.Response.OnCompleted(() =>
            {
                completed.TrySetResult();
                return Task.CompletedTask;
            });
            waiting.SetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted); // throws TaskCanceledException when the client goes
        }));
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, app.Address.Port);
            await socket.SendAsync("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None);
            await waiting.Task.WaitAsync(TimeSpan.FromSeconds(20));
            socket.LingerState = new LingerOption(true, 0); // a reset: the client is gone
        }
        await completed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.DoesNotContain(app.Log.Entries, entry => entry.Level >= LogLevel.Warning); // at Debug, if at all, as Kestrel logs it
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task An_app_writing_line_by_line_to_a_client_that_went_away_stops_at_its_next_flush(ServerKind server)
    {
        // Kestrel lets such a loop run on, each write doing nothing; on Micro a flush given RequestAborted once it
        // has fired throws, as a pipe's flush does with a canceled token, and the app's loop ends there.
        var ended = new TaskCompletionSource<(long Lines, Exception? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/lines", async (HttpContext context) =>
            {
                long lines = 0;
                try
                {
                    for (; lines < 50_000_000; lines++)
                    {
                        await context.Response.WriteAsync($"chunk {lines}\n", context.RequestAborted);
                    }
                    ended.TrySetResult((lines, null));
                }
                catch (Exception exception)
                {
                    ended.TrySetResult((lines, exception));
                    throw;
                }
            });
            web.MapGet("/few", async (HttpContext context) =>
            {
                for (var line = 0; line < 100; line++)
                {
                    await context.Response.WriteAsync($"line {line}\n", context.RequestAborted); // each flushed: through the outbox
                }
            });
        });
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 })
        {
            await socket.ConnectAsync(IPAddress.Loopback, app.Address.Port);
            await socket.SendAsync("GET /lines HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None);
            Assert.True(await socket.ReceiveAsync(new byte[4096], SocketFlags.None) > 0); // the response has begun
            socket.LingerState = new LingerOption(true, 0);
        }
        var (written, error) = await ended.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.IsAssignableFrom<OperationCanceledException>(error);
        Assert.True(written < 50_000_000);
        // The pooled state of the abandoned request, its outbox left held or gone, serves the next requests (runs are
        // reused last in, first out): their streamed lines all arrive.
        var expected = string.Concat(Enumerable.Range(0, 100).Select(line => $"line {line}\n"));
        using var client = new HttpClient { BaseAddress = app.Address };
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(expected, await client.GetStringAsync("/few"));
        }
        Assert.DoesNotContain(app.Log.Entries, entry => entry.Level >= LogLevel.Warning);
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task An_app_that_aborts_its_connection_after_completing_its_response_ends_it_quietly(ServerKind server)
    {
        // Inline, the abort closed the connection inside the handler's first part, whose exchange went back to the
        // pool as a completed one; the handler's return then framed a response on it: a NullReferenceException on the
        // reactor, logged as the connection's and the handler's failure. Every way to end first is tried.
        var ends = new[] { "/complete-then-abort", "/write-then-abort", "/abort-then-throw" };
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/complete-then-abort", async (HttpContext context) =>
            {
                await context.Response.WriteAsync("answer");
                await context.Response.CompleteAsync();
                context.Abort();
            });
            web.MapGet("/write-then-abort", async (HttpContext context) =>
            {
                await context.Response.WriteAsync("answer");
                context.Abort();
            });
            web.MapGet("/abort-then-throw", (HttpContext context) =>
            {
                context.Abort();
                throw new OperationCanceledException("the app gives up after aborting", context.RequestAborted);
            });
            web.MapGet("/after", () => "after");
        });
        for (var round = 0; round < 20; round++)
        {
            foreach (var end in ends)
            {
                await using var client = await RawHttpClient.ConnectAsync(app.Address);
                await client.SendAsync($"GET {end} HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.True(await client.IsClosedByServerAsync(), $"{end}: the connection the app aborted was not closed");
            }
        }
        Assert.DoesNotContain(app.Log.Entries, entry => entry.Level >= LogLevel.Warning);
        await app.AssertServesNewConnectionsAsync();
    }
}
