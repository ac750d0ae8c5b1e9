using System.Net.WebSockets;
using Micro.Tests.Shared;

namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: examples/Chat as a process: its page, a room shared by two clients, and its same-origin rule.</summary>
public sealed class ChatExampleTests
{
    [Fact]
    public async Task Two_clients_in_a_room_see_each_others_lines_and_a_foreign_page_is_refused()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var chat = await ServedProcess.StartAsync(BuiltApps.Chat, deadline.Token);
        var http = new Uri(chat.Url);
        using (var client = new HttpClient())
        {
            Assert.Contains("new WebSocket(", await client.GetStringAsync(http, deadline.Token)); // index.html, from app.Static
        }
        using var ana = await JoinAsync(http, "ana", deadline.Token);
        Assert.Equal("""{"user":"server","text":"ana joined"}""", await ReceiveAsync(ana, deadline.Token));
        using var bo = await JoinAsync(http, "bo", deadline.Token);
        Assert.Equal("""{"user":"server","text":"bo joined"}""", await ReceiveAsync(ana, deadline.Token));
        Assert.Equal("""{"user":"server","text":"bo joined"}""", await ReceiveAsync(bo, deadline.Token));

        await bo.SendAsync("hi ana"u8.ToArray(), WebSocketMessageType.Text, true, deadline.Token);
        Assert.Equal("""{"user":"bo","text":"hi ana"}""", await ReceiveAsync(ana, deadline.Token));
        Assert.Equal("""{"user":"bo","text":"hi ana"}""", await ReceiveAsync(bo, deadline.Token));
        await bo.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", deadline.Token);
        Assert.Equal("""{"user":"server","text":"bo left"}""", await ReceiveAsync(ana, deadline.Token));

        using var foreign = new ClientWebSocket();
        foreign.Options.SetRequestHeader("Origin", "http://evil.example");
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => foreign.ConnectAsync(new Uri($"ws://{http.Authority}/rooms/lobby?name=x"), deadline.Token));
        Assert.Contains("403", refused.Message);
        await chat.StopWithSigtermAsync(deadline.Token);
    }

    private static async Task<ClientWebSocket> JoinAsync(Uri http, string name, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", $"http://{http.Authority}");
        await socket.ConnectAsync(new Uri($"ws://{http.Authority}/rooms/lobby?name={name}"), cancellationToken);
        return socket;
    }

    private static async Task<string> ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }
}
