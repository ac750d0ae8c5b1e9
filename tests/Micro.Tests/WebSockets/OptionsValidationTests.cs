using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>A WebSocket route's options a connection could not live by are refused when the route is registered, by name, value and why.</summary>
public sealed class OptionsValidationTests
{
    public static TheoryData<string, Action<WebSocketOptions>> Refused => new()
    {
        { "MaxMessageSize", o => o.MaxMessageSize = 0 },
        { "MaxPublishBacklog", o => o.MaxPublishBacklog = -1 },
        { "IdleTimeout", o => o.IdleTimeout = TimeSpan.Zero },
        { "CloseTimeout", o => o.CloseTimeout = TimeSpan.FromSeconds(-1) },
        { "KeepAliveInterval", o => o.KeepAliveInterval = TimeSpan.FromSeconds(-1) },
        { "KeepAliveInterval", o => (o.KeepAliveInterval, o.IdleTimeout) = (TimeSpan.FromSeconds(75), TimeSpan.FromSeconds(75)) },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void A_route_with_options_a_connection_could_not_live_by_is_refused_by_name(string setting, Action<WebSocketOptions> configure)
    {
        var options = new WebSocketOptions();
        configure(options);
        var app = new MicroApp();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => app.WebSocket("/ws", async (ws, req) => await ws.SendAsync("hi"), options));
        Assert.Equal(setting, error.ParamName);
        Assert.StartsWith($"WebSocketOptions.{setting} is ", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => app.WebSocket("/ws2", new WebSocketHandlers(), options)); // the callback style alike
    }

    [Fact]
    public async Task The_allowed_edges_serve_a_connection()
    {
        // Pings off, no close wait, no publish backlog: a connection opens, echoes and closes.
        var options = new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero, CloseTimeout = TimeSpan.Zero, MaxPublishBacklog = 0, MaxMessageSize = 1 };
        var app = new MicroApp();
        app.WebSocket("/ws", async (ws, req) =>
        {
            await foreach (var message in ws)
            {
                await ws.SendAsync(message.Text);
            }
        }, options);
        await TestApp.RunAsync(app, async (_, url) =>
        {
            using var client = new System.Net.WebSockets.ClientWebSocket();
            await client.ConnectAsync(new Uri($"ws://{url.Authority}/ws"), CancellationToken.None);
            await client.SendAsync("x"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[16];
            var received = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("x", Encoding.UTF8.GetString(buffer, 0, received.Count));
            await client.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        });
    }
}
