using System.Net.WebSockets;
using Micro.Tests.Deployment;
using Micro.Tests.Shared;

namespace Micro.Tests.Topics;

/// <summary>
/// Issue 25: examples/Chat as two instances behind Debian's nginx (deploy/nginx/micro.conf: TLS, HTTP/2, WebSocket
/// upgrades), sharing one Redis: the browsers' connections land on both instances, and a room is one room.
/// </summary>
[Collection(nameof(BackplaneTests))]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class NginxChatTests
{
    [Fact]
    public async Task Two_chat_instances_behind_nginx_are_one_chat()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var redis = await RedisServer.StartAsync();
        var environment = new Dictionary<string, string> { ["ConnectionStrings__Redis"] = redis.Configuration };
        using var one = await ServedProcess.StartAsync(BuiltApps.Chat, deadline.Token, environment: environment);
        using var two = await ServedProcess.StartAsync(BuiltApps.Chat, deadline.Token, environment: environment);
        using var nginx = await NginxProcess.StartAsync([IPEndPoint.Parse(new Uri(one.Url).Authority), IPEndPoint.Parse(new Uri(two.Url).Authority)], deadline.Token);

        var people = new List<ClientWebSocket>();
        for (var i = 0; i < 4; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString() == nginx.Certificate.GetCertHashString();
            await socket.ConnectAsync(new Uri($"wss://127.0.0.1:{nginx.Port}/rooms/lobby?name=p{i}"), deadline.Token);
            people.Add(socket);
        }
        using var http = ProxyFiles.Client(nginx, HttpVersion.Version20);
        using var events = await http.GetAsync("/rooms/lobby/events", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        Assert.Equal(HttpVersion.Version20, events.Version);
        using var eventLines = new StreamReader(await events.Content.ReadAsStreamAsync(deadline.Token));
        await ReadUntilAsync(eventLines, "listening to lobby", deadline.Token);
        // Both instances have people in the room: each is subscribed to its channel on Redis.
        await EventStreamTopicTests.WaitUntilAsync(async () => await redis.CommandAsync("PUBSUB", "NUMSUB", "micro:Chat:room:lobby") == "micro:Chat:room:lobby 2");

        foreach (var (speaker, text) in new[] { (0, "hello from p0"), (3, "and from p3") })
        {
            await people[speaker].SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, deadline.Token);
            var line = $"{{\"user\":\"p{speaker}\",\"text\":\"{text}\"}}";
            foreach (var person in people)
            {
                await ReceiveUntilAsync(person, line, deadline.Token);
            }
            await ReadUntilAsync(eventLines, $"data: {line}", deadline.Token);
        }
        Assert.DoesNotContain(nginx.ErrorLog.Split('\n'), entry => entry.Contains("[error]", StringComparison.Ordinal));
        foreach (var person in people)
        {
            await person.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", deadline.Token);
            person.Dispose();
        }
    }

    private static async Task ReceiveUntilAsync(ClientWebSocket socket, string expected, CancellationToken cancellationToken)
    {
        var buffer = new byte[8192];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
            if (Encoding.UTF8.GetString(buffer, 0, result.Count) == expected)
            {
                return; // the joins announced before it are skipped
            }
        }
    }

    private static async Task ReadUntilAsync(StreamReader reader, string expected, CancellationToken cancellationToken)
    {
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Contains(expected, StringComparison.Ordinal))
            {
                return;
            }
        }
        Assert.Fail($"the event stream ended before '{expected}'");
    }
}
