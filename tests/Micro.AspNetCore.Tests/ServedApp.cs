using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
        Action<MicroServerHostOptions>? micro = null, string? urls = "http://127.0.0.1:0")
    {
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
                builder.WebHost.UseMicro(options => { options.Server.ReactorCount = 2; micro?.Invoke(options); });
                break;
            case ServerKind.MicroInline:
                builder.WebHost.UseMicro(options =>
                {
                    options.Server.ReactorCount = 2;
                    options.Scheduling = ApplicationScheduling.Inline;
                    micro?.Invoke(options);
                });
                break;
        }
        configure?.Invoke(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var url = addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        return new ServedApp(app, url, log) { Addresses = [.. addresses] };
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        await App.DisposeAsync();
    }
}
