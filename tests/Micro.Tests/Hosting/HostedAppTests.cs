using Micro.Tests.Shared;

namespace Micro.Tests.Hosting;

/// <summary>The hello-world example as a real process: it serves, and SIGTERM stops it gracefully.</summary>
public sealed class HostedAppTests
{
    [Fact]
    public async Task The_hello_world_app_serves_and_stops_cleanly_on_sigterm()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var app = await ServedProcess.StartAsync(BuiltApps.HelloWorld, deadline.Token);
        using var client = new HttpClient();
        Assert.Equal("Hello, World!", await client.GetStringAsync(app.Url, deadline.Token));
        Assert.Equal("{\"message\":\"Hello, World!\"}", await client.GetStringAsync(app.Url + "/json", deadline.Token));
        Assert.Equal("Hello, Ana!", await client.GetStringAsync(app.Url + "/hello/Ana", deadline.Token));
        await app.StopWithSigtermAsync(deadline.Token);
    }
}
