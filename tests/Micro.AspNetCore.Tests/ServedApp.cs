using Xunit;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// An ASP.NET Core app built as a user builds one (WebApplication.CreateBuilder), served by Kestrel or by Micro on
/// 127.0.0.1, port 0, with an HttpClient for it. What the app logs at Warning and above is kept for assertions.
/// </summary>
internal sealed class ServedApp : IAsyncDisposable
{
    private ServedApp(WebApplication app, string url, CapturingLoggerProvider log)
    {
        App = app;
        Url = url;
        Log = log;
        Client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string Url { get; }

    public HttpClient Client { get; }

    public CapturingLoggerProvider Log { get; }

    /// <summary>Every address the server said it listens on.</summary>
    public IReadOnlyList<string> Addresses { get; private init; } = [];

    public Uri Address => new(Url);

    public static IEnumerable<object[]> Servers => Enum.GetValues<ServerKind>().Select(kind => new object[] { kind });

    public static async Task<ServedApp> StartAsync(ServerKind server, Action<WebApplication> map, Action<WebApplicationBuilder>? configure = null,
        Action<MicroServerHostOptions>? micro = null, string? urls = "http://127.0.0.1:0", bool defaultReactors = false)
    {
        // Two reactors unless the test looks at the default: the tests' connections spread over more than one.
        var reactors = defaultReactors ? (Action<MicroServerHostOptions>)(_ => { }) : options => options.Server.ReactorCount = 2;
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        var log = new CapturingLoggerProvider();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(log);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (urls is not null)
        {
            builder.WebHost.UseUrls(urls);
        }
        switch (server)
        {
            case ServerKind.Micro:
                builder.WebHost.UseMicro(options => { reactors(options); micro?.Invoke(options); });
                break;
            case ServerKind.MicroInline:
                builder.WebHost.UseMicro(options =>
                {
                    reactors(options);
                    options.Scheduling = ApplicationScheduling.Inline;
                    micro?.Invoke(options);
                });
                break;
        }
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync(); // a start refused (the tests of bad settings) leaves nothing running
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var url = addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        return new ServedApp(app, url, log) { Addresses = [.. addresses] };
    }

    /// <summary>The first reactor of an app on Micro (its <c>Wakes</c> count the wakes from other threads): the only one when the test asked for one.</summary>
    public Micro.Transport.Reactor FirstReactor => Engine.Reactors[0];

    /// <summary>The engine serving an app on Micro.</summary>
    public Micro.Hosting.MicroServer Engine => ((MicroAspNetCoreServer)App.Services.GetRequiredService<IServer>()).Engine!;

    /// <summary>
    /// Sends <paramref name="request"/> <paramref name="count"/> times on one connection, one after the other, each
    /// answer checked by <paramref name="check"/>; returns how often the first reactor was woken from other threads meanwhile.
    /// </summary>
    public async Task<long> WakesWhileAnsweringAsync(string request, int count, Action<(int Status, Dictionary<string, string> Headers, string Body)> check)
    {
        var reactor = FirstReactor;
        await using var client = await RawHttpClient.ConnectAsync(Address);
        var wakesBefore = reactor.Wakes;
        for (var i = 0; i < count; i++)
        {
            await client.SendAsync(request);
            check(await client.ReadResponseAsync());
        }
        return reactor.Wakes - wakesBefore;
    }

    /// <summary>
    /// After a hostile or failing client: fresh connections, more than there are reactors (accepts go to the reactors
    /// in turn), each answered (a 404 is an answer), so no reactor was left stuck or closed.
    /// </summary>
    public async Task AssertServesNewConnectionsAsync()
    {
        for (var i = 0; i < 4; i++)
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await socket.ConnectAsync("127.0.0.1", Address.Port, deadline.Token);
            await socket.SendAsync("GET /__health-check HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), deadline.Token);
            var buffer = new byte[512];
            var read = await socket.ReceiveAsync(buffer, deadline.Token);
            Assert.StartsWith("HTTP/1.1 ", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await App.DisposeAsync();
    }
}
