using Micro.Http;
using Microsoft.Extensions.DependencyInjection;

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

    [Fact]
    public async Task An_app_listens_where_its_urls_say_as_ASP_NET_Cores_app_Urls_and_then_shows_where_it_is_bound()
    {
        await using var app = new MicroApp(["--urls", "http://127.0.0.1:1"]); // replaced by what app.Urls says
        app.Get("/", (req, res) => res.Send("here"));
        app.Urls.Add("http://127.0.0.1:0");
        app.Start();
        var bound = Assert.Single(app.Urls);
        Assert.Equal($"http://127.0.0.1:{app.EndPoints[0].Port}", bound);
        using var client = new HttpClient();
        Assert.Equal("here", await client.GetStringAsync(bound));
        Assert.Throws<NotSupportedException>(() => app.Urls.Add("http://127.0.0.1:0")); // too late: read-only once listening
    }

    [Fact]
    public async Task Run_with_an_address_serves_there_until_the_app_is_told_to_stop()
    {
        var app = new MicroApp();
        app.Get("/", (req, res) => res.Send("running"));
        var started = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Lifetime.ApplicationStarted.Register(() => started.SetResult(app.Urls.Single()));
        var running = Task.Factory.StartNew(() => app.Run("http://127.0.0.1:0"), TaskCreationOptions.LongRunning); // Run blocks its thread
        var url = await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        using (var client = new HttpClient())
        {
            Assert.Equal("running", await client.GetStringAsync(url));
        }
        app.Lifetime.StopApplication();
        await running.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Run_called_from_a_handler_is_refused_rather_than_blocking_its_reactor()
    {
        await using var app = new MicroApp();
        app.Get("/", (req, res) =>
        {
            try
            {
                app.Run();
                res.Send("blocked");
            }
            catch (InvalidOperationException refused)
            {
                res.Send(refused.Message);
            }
        });
        app.Listen(0);
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        Assert.StartsWith("app.Run() blocks until the app stops", await client.GetStringAsync("/"));
        Assert.StartsWith("app.Run() blocks", await client.GetStringAsync("/")); // the reactor still serves
    }

    [Fact]
    public async Task An_address_the_app_cannot_listen_at_fails_its_start_naming_it_before_anything_starts()
    {
        var builder = MicroApp.CreateBuilder([]);
        var worker = new StartNotingService();
        builder.Services.AddHostedService(_ => worker);
        await using var app = builder.Build();
        app.Urls.Add("https://127.0.0.1:0");
        Assert.Contains("'https://127.0.0.1:0': Micro serves plain http://", Assert.Throws<ArgumentException>(app.Start).Message);
        Assert.False(worker.Started); // no hosted service left running beside an app that never listened
        await using var other = new MicroApp();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => other.RunAsync("http://example.com:80"));
        Assert.Contains("'example.com' is not an IP address", error.Message);
    }
}
