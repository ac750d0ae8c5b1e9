using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace HttpArena.Tests;

/// <summary>echo-ws: /ws echoes text as text and binary as binary, in order; a plain GET is refused with 426.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class EchoTests(ArenaFixture arena)
{
    [Fact]
    public async Task Text_and_binary_messages_come_back_as_they_were_sent_and_the_close_is_answered()
    {
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{arena.Url.Port}/ws"), CancellationToken.None);
        var buffer = new byte[4096];
        for (var i = 0; i < 5; i++)
        {
            var text = Encoding.UTF8.GetBytes($"hello {i} ünïcode");
            await client.SendAsync(text, WebSocketMessageType.Text, true, CancellationToken.None);
            var received = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal(WebSocketMessageType.Text, received.MessageType);
            Assert.Equal(text, buffer[..received.Count]);
        }
        var binary = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        await client.SendAsync(binary, WebSocketMessageType.Binary, true, CancellationToken.None);
        var echoed = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Binary, echoed.MessageType);
        Assert.Equal(binary, buffer[..echoed.Count]);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "validate done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task A_get_without_the_upgrade_is_answered_426()
    {
        using var response = await arena.Client.GetAsync("/ws");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
    }
}
