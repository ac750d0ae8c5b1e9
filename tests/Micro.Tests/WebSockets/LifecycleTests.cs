using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: how a WebSocket connection ends, every way, and what it holds while it lives.</summary>
public sealed class LifecycleTests
{
    [Fact]
    public async Task The_handler_closes_with_its_code_and_reason_and_the_client_gets_them()
    {
        await using var server = new WebSocketApp(app => app.WebSocket("/bye", async (ws, req) =>
        {
            await ws.SendAsync("hello");
            await ws.CloseAsync(4001, "see you");
        }));
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/bye");
        await using (client)
        {
            Assert.Equal("hello", (await client.ReadFrameAsync())!.Text);
            var close = await client.ReadCloseAsync();
            Assert.Equal((4001, "see you"), (close.CloseCode, Encoding.UTF8.GetString(close.Payload.AsSpan(2))));
            await client.SendFrameAsync(8, RawWebSocket.ClosePayload(4001)); // the client's answer completes the handshake
            Assert.True(await client.EndsAsync());
        }
    }

    [Fact]
    public async Task A_handler_that_returns_closes_with_1000_and_one_that_throws_with_1011_and_a_log_line()
    {
        var log = new RecordingLoggerProvider();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([log]);
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 }, factory);
        app.WebSocket("/done", (ws, req) => Task.CompletedTask);
        app.WebSocket("/throws", async (ws, req) =>
        {
            await ws.SendAsync("about to fail");
            throw new InvalidOperationException("the handler broke");
        });
        app.Listen(0);
        try
        {
            var (done, _) = await RawWebSocket.ConnectAsync(app.EndPoints[0], "/done");
            await using (done)
            {
                Assert.Equal(1000, (await done.ReadCloseAsync()).CloseCode);
            }
            var (throws, _) = await RawWebSocket.ConnectAsync(app.EndPoints[0], "/throws");
            await using (throws)
            {
                Assert.Equal("about to fail", (await throws.ReadFrameAsync())!.Text);
                Assert.Equal(1011, (await throws.ReadCloseAsync()).CloseCode);
            }
            Assert.Contains(log.Entries, entry => entry.Exception?.Message == "the handler broke");
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_client_that_goes_without_a_close_frame_ends_the_handlers_loop_with_1006()
    {
        await using var server = new WebSocketApp();
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await client.SendTextAsync("one");
        Assert.Equal("one", (await client.ReadFrameAsync())!.Text);
        await client.DisposeAsync();
        Assert.Equal((1006, (string?)null), await server.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task The_upgrade_requests_aborted_token_and_the_connections_fire_when_the_client_goes()
    {
        var cancelled = new TaskCompletionSource<(bool Request, bool Connection)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketApp(app => app.WebSocket("/wait", async (ws, req) =>
        {
            await ws.SendAsync("waiting");
            try
            {
                await Task.Delay(Timeout.Infinite, req.Aborted); // work tied to the request, as in an HTTP handler
            }
            catch (OperationCanceledException)
            {
                cancelled.TrySetResult((req.Aborted.IsCancellationRequested, ws.Aborted.IsCancellationRequested));
            }
        }));
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/wait");
        Assert.Equal("waiting", (await client.ReadFrameAsync())!.Text);
        await client.DisposeAsync();
        Assert.Equal((true, true), await cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Stopping_the_server_sends_1001_and_waits_for_the_clients_close()
    {
        var server = new WebSocketApp();
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await using (client)
        {
            await client.SendTextAsync("before");
            Assert.Equal("before", (await client.ReadFrameAsync())!.Text);
            var stopping = server.App.StopAsync();
            var close = await client.ReadCloseAsync();
            Assert.Equal(1001, close.CloseCode);
            Assert.False(stopping.IsCompleted);
            await client.SendFrameAsync(8, RawWebSocket.ClosePayload(1001));
            await stopping.WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(1001, (await server.Ended.Task).Status);
        }
    }

    [Fact]
    public async Task The_callback_style_sees_open_every_message_and_close()
    {
        var events = new List<string>();
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketApp(app => app.WebSocket("/callbacks", new WebSocketHandlers
        {
            OnOpen = ws => events.Add("open"),
            OnMessage = (ws, message) =>
            {
                events.Add($"{message.Type} {message.Text}");
                _ = ws.SendAsync(message.Text.ToUpperInvariant());
            },
            OnClose = (ws, code, reason) =>
            {
                events.Add($"close {code} {reason}");
                closed.TrySetResult();
            },
        }));
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/callbacks");
        await using (client)
        {
            await client.SendTextAsync("abc");
            Assert.Equal("ABC", (await client.ReadFrameAsync())!.Text);
            await client.SendFrameAsync(2, "xyz"u8.ToArray());
            Assert.Equal("XYZ", (await client.ReadFrameAsync())!.Text);
            await client.SendFrameAsync(8, RawWebSocket.ClosePayload(1000, "over"));
            await closed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        Assert.Equal(["open", "Text abc", "Binary xyz", "close 1000 over"], events);
    }

    [Fact]
    public async Task An_idle_connection_is_pinged_and_one_that_answers_nothing_is_dropped()
    {
        var options = new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(1), IdleTimeout = TimeSpan.FromSeconds(3) };
        await using var server = new WebSocketApp(options: options);
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await using (client)
        {
            var ping = await client.ReadFrameAsync(); // nothing sent: the server asks whether the client is there
            Assert.Equal(9, ping!.Opcode);
            Assert.True(await client.EndsAsync()); // and, with no Pong ever, gives up on it
            Assert.Equal(1006, (await server.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30))).Status);
        }
    }

    [Fact]
    public async Task A_client_that_does_not_read_holds_the_sender_back_instead_of_growing_the_output()
    {
        var sent = 0;
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketApp(app => app.WebSocket("/flood", async (ws, req) =>
        {
            var message = new byte[64 * 1024];
            while (ws.State == WebSocketState.Open)
            {
                var pending = ws.SendAsync(message);
                if (!pending.IsCompleted)
                {
                    blocked.TrySetResult(); // the output passed its high-water mark: the send waits for the client
                }
                await pending;
                sent++;
            }
        }));
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/flood");
        await using (client)
        {
            await blocked.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var sentWhenBlocked = sent;
            // What the server holds for this connection stays near its response buffer (64 KiB), plus one message.
            Assert.InRange(server.App.Server!.PeakPausedOutput, 1, 64 * 1024 + 64 * 1024 + 16);
            for (var i = 0; i < 64; i++)
            {
                Assert.Equal(64 * 1024, (await client.ReadFrameAsync())!.Payload.Length);
            }
            Assert.True(sent > sentWhenBlocked); // reading let it go on
        }
    }
}
