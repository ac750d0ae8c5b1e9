using Micro.Http;

namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 5: a second server on a port in use is refused by default; sharing the port is an explicit opt-in.</summary>
public sealed class PortSharingTests
{
    private static HttpHandler Named(string name) => exchange =>
    {
        exchange.Respond(200, "text/plain"u8, System.Text.Encoding.ASCII.GetBytes(name));
        return default;
    };

    [Fact]
    public async Task A_second_server_on_a_port_in_use_is_refused_and_the_first_serves_on()
    {
        await using var first = new TestServer(Named("first"));
        var options = new MicroServerOptions { ReactorCount = 2 };
        options.EndPoints.Add(first.EndPoint);
        var second = new MicroServer(options, Named("second"));
        var error = Assert.Throws<IOException>(second.Start);
        Assert.Contains($"Address already in use: {first.EndPoint}", error.Message);
        Assert.Contains("SharePort", error.Message);
        await ServerHealth.AssertEveryReactorAnswersAsync(first.Server);
    }

    [Fact]
    public async Task Without_sharing_no_other_socket_can_join_the_port_even_one_that_asks_for_SO_REUSEPORT()
    {
        // Issue 20: SO_REUSEPORT was set on the server's sockets even without --share-port, so any process of the same
        // user could bind a socket with it to the port and take a share of the connections (5 of 20 here).
        await using var server = new TestServer(Named("server"));
        using var intruder = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        intruder.SetSocketOption(System.Net.Sockets.SocketOptionLevel.Socket, System.Net.Sockets.SocketOptionName.ReuseAddress, true);
        intruder.SetRawSocketOption(1 /* SOL_SOCKET */, 15 /* SO_REUSEPORT */, BitConverter.GetBytes(1));
        var refused = Assert.Throws<System.Net.Sockets.SocketException>(() => intruder.Bind(server.EndPoint));
        Assert.Equal(System.Net.Sockets.SocketError.AddressAlreadyInUse, refused.SocketErrorCode);
        // Every reactor still accepts from the one socket they share.
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task Servers_that_both_opt_in_share_the_port_and_the_second_takes_over_when_the_first_stops()
    {
        var first = new TestServer(Named("first"), o => o.SharePort = true); // a hand-over needs both to have opted in
        await using var second = new TestServer(Named("second"), o =>
        {
            o.EndPoints.Clear();
            o.EndPoints.Add(first.EndPoint);
            o.SharePort = true;
        });
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero, MaxConnectionsPerServer = 1 });
        var seen = new HashSet<string>();
        for (var i = 0; i < 256 && seen.Count < 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, first.Url) { Headers = { ConnectionClose = true } };
            using var response = await client.SendAsync(request);
            seen.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(["first", "second"], seen.Order());

        await first.DisposeAsync(); // the hand-over: the second goes on alone on the same port
        for (var i = 0; i < 16; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, second.Url) { Headers = { ConnectionClose = true } };
            using var response = await client.SendAsync(request);
            Assert.Equal("second", await response.Content.ReadAsStringAsync());
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(second.Server);
    }
}
