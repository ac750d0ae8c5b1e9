namespace Micro.Tests.Transport;

public sealed class StoppedReactorTests
{
    [Fact]
    public async Task Work_posted_to_a_stopped_reactor_writes_into_no_descriptor()
    {
        SynchronizationContext? reactorContext = null;
        var server = new TestServer(exchange =>
        {
            reactorContext = SynchronizationContext.Current;
            exchange.Respond(200, "text/plain"u8, "ok"u8);
            return default;
        }, o => o.ReactorCount = 1);
        await using (var client = await server.ConnectAsync())
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            await client.ReadResponsesAsync(1);
        }
        await server.DisposeAsync();
        Assert.NotNull(reactorContext);

        // New sockets take the lowest free descriptors, the reactor's old eventfd among them.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var pairs = new List<(Socket Client, Socket Accepted)>();
        for (var i = 0; i < 16; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
            pairs.Add((socket, await listener.AcceptSocketAsync()));
        }
        try
        {
            var ran = false;
            reactorContext.Post(_ => { }, null);
            reactorContext.Send(_ => ran = true, null);
            Assert.True(ran); // a stopped reactor runs Send inline rather than hanging
            foreach (var (clientSide, acceptedSide) in pairs)
            {
                Assert.Equal(0, clientSide.Available);
                Assert.Equal(0, acceptedSide.Available);
            }
        }
        finally
        {
            foreach (var (clientSide, acceptedSide) in pairs)
            {
                clientSide.Dispose();
                acceptedSide.Dispose();
            }
        }
    }
}
