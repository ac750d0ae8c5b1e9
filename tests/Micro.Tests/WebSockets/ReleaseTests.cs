using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>
/// Issue 12 under the hardening rules: every way a WebSocket connection can end, in every state, releases it: the
/// server's connection count comes back to zero, no exchange goes back to its pool twice, and the server serves on.
/// </summary>
public sealed class ReleaseTests
{
    [Fact]
    public async Task Connections_that_vanish_in_every_state_are_all_released()
    {
        var holding = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new WebSocketApp(app => app.WebSocket("/slow", async (ws, req) =>
        {
            await foreach (var message in ws)
            {
                holding.TrySetResult();
                await Task.Delay(Timeout.Infinite, ws.Aborted).ContinueWith(_ => { }, TaskScheduler.Default); // holds the message until the client goes
            }
        }), new WebSocketOptions { Compression = new WebSocketCompression() });
        var states = new (string Name, Func<Task<RawWebSocket>> Make)[]
        {
            ("idle", () => OpenAsync(server, "/echo")),
            ("mid-frame", async () =>
            {
                var client = await OpenAsync(server, "/echo");
                await client.SendRawAsync(RawWebSocket.Encode(2, new byte[1000])[..300]);
                return client;
            }),
            ("mid-message", async () =>
            {
                var client = await OpenAsync(server, "/echo");
                await client.SendRawAsync(RawWebSocket.Encode(1, "first part"u8, fin: false));
                return client;
            }),
            ("compressed", async () =>
            {
                var client = await OpenAsync(server, "/echo", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
                await client.SendTextAsync(new string('z', 500));
                await client.ReadFrameAsync();
                return client;
            }),
            ("closing handshake begun", async () =>
            {
                var client = await OpenAsync(server, "/rooms/x");
                await client.ReadFrameAsync();
                await client.SendFrameAsync(8, RawWebSocket.ClosePayload(1000));
                return client;
            }),
            ("handler holding a message, reading paused", async () =>
            {
                var client = await OpenAsync(server, "/slow");
                await client.SendTextAsync("hold this");
                await client.SendTextAsync("and this one waits behind it");
                await holding.Task.WaitAsync(TimeSpan.FromSeconds(30));
                return client;
            }),
        };
        foreach (var (name, make) in states)
        {
            var clients = new List<RawWebSocket>();
            for (var i = 0; i < 10; i++)
            {
                clients.Add(await make());
            }
            foreach (var client in clients)
            {
                await client.DisposeAsync(); // all vanish at once
            }
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var released = server.App.Server!.WaitForConnectionCountAsync(0, deadline.Token);
            await Task.WhenAny(released, Task.Delay(Timeout.Infinite, deadline.Token));
            Assert.True(released.IsCompletedSuccessfully, $"{name}: {server.App.Server.ConnectionCount} connections were never released");
        }
        Assert.Equal(0, server.App.Server!.DoubleReturnedExchanges);
        var (after, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await using (after)
        {
            await after.SendTextAsync("still serving");
            Assert.Equal("still serving", (await after.ReadFrameAsync())!.Text);
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(server.App.Server);
    }

    private static async Task<RawWebSocket> OpenAsync(WebSocketApp server, string path, string headers = "")
    {
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, path, headers);
        Assert.StartsWith("HTTP/1.1 101", head);
        return client;
    }
}
