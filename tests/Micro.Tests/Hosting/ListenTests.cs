using Micro.Http;

namespace Micro.Tests.Hosting;

public sealed class ListenTests
{
    private static ValueTask Hello(HttpExchange exchange)
    {
        exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes($"from {exchange.RemoteEndPoint!.Address}"));
        return default;
    }

    [Fact]
    public async Task Port_zero_is_resolved_and_every_reactor_serves_it()
    {
        await using var server = new TestServer(Hello, o => o.ReactorCount = 3);
        Assert.NotEqual(0, server.EndPoint.Port);
        using var client = new HttpClient();
        var bodies = await Task.WhenAll(Enumerable.Range(0, 30).Select(_ => new HttpClient().GetStringAsync(server.Url)));
        Assert.All(bodies, body => Assert.Equal("from 127.0.0.1", body));
    }

    [Fact]
    public async Task Ipv6_loopback_is_served_and_reports_the_client_address()
    {
        if (!Socket.OSSupportsIPv6)
        {
            throw new InvalidOperationException("this machine has no IPv6; the test needs ::1");
        }
        await using var server = new TestServer(Hello, o =>
        {
            o.EndPoints.Clear();
            o.EndPoints.Add(new IPEndPoint(IPAddress.IPv6Loopback, 0));
        });
        Assert.Equal(IPAddress.IPv6Loopback, server.EndPoint.Address);
        using var client = new HttpClient();
        Assert.Equal("from ::1", await client.GetStringAsync($"http://[::1]:{server.EndPoint.Port}/"));
    }

    [Fact]
    public async Task Two_endpoints_are_served_by_one_server()
    {
        await using var server = new TestServer(Hello, o => o.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0)));
        Assert.Equal(2, server.Server.EndPoints.Count);
        using var client = new HttpClient();
        foreach (var endPoint in server.Server.EndPoints)
        {
            Assert.Equal("from 127.0.0.1", await client.GetStringAsync($"http://{endPoint}/"));
        }
    }

    [Fact]
    public void Binding_a_port_in_use_fails_with_the_reason()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        var options = new MicroServerOptions();
        options.EndPoints.Add((IPEndPoint)taken.LocalEndPoint!);
        var server = new MicroServer(options, Hello);
        var error = Assert.Throws<IOException>(server.Start);
        Assert.Contains($"Address already in use: {taken.LocalEndPoint}", error.Message);
    }
}
