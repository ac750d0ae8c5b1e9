namespace Micro.Tests;

/// <summary>
/// After a test of a closing path: the server must still accept and answer on every reactor. One connection proves
/// little (SO_REUSEPORT may hand it to the one healthy reactor), so this opens connections until each reactor has
/// accepted at least one and every one of them got an answer.
/// </summary>
internal static class ServerHealth
{
    private const int MaxConnections = 256;

    public static async Task AssertEveryReactorAnswersAsync(MicroServer server, IPEndPoint? endPoint = null)
    {
        endPoint ??= server.EndPoints[0];
        Assert.All(server.Reactors, reactor => Assert.False(reactor.Exited.IsCompleted, $"reactor {reactor.Index} has ended"));
        var before = server.AcceptedPerReactor;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        for (var i = 0; i < MaxConnections; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(endPoint, timeout.Token);
            await socket.SendAsync("GET /health-check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, timeout.Token);
            var received = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
            var text = Encoding.Latin1.GetString(received.ToArray());
            Assert.StartsWith("HTTP/1.1 ", text);
            var now = server.AcceptedPerReactor;
            if (now.Zip(before).All(pair => pair.First > pair.Second))
            {
                return;
            }
        }
        Assert.Fail($"after {MaxConnections} connections, some reactor accepted none: before [{string.Join(", ", before)}], after [{string.Join(", ", server.AcceptedPerReactor)}]");
    }
}
