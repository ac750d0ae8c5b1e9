using System.Diagnostics;

namespace Micro.AspNetCore.Tests;

/// <summary>curl, an independent client, against the same app on every server.</summary>
public sealed class CurlTests
{
    private static async Task<string> CurlAsync(params string[] arguments) => (await CurlWithLogAsync(arguments)).Output;

    private static async Task<(string Output, string Log)> CurlWithLogAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--silent", "--show-error", "--max-time", "20" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        using var curl = Process.Start(start)!;
        var output = curl.StandardOutput.ReadToEndAsync();
        var log = curl.StandardError.ReadToEndAsync();
        await curl.WaitForExitAsync();
        Assert.True(curl.ExitCode == 0, await log);
        return (await output, await log);
    }

    [Theory]
    [OnEveryServer]
    public async Task Curl_gets_posts_and_reuses_the_connection(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/hello/{name}", (string name) => $"hello {name}");
            web.MapPost("/upper", async (HttpRequest request) => (await new StreamReader(request.Body).ReadToEndAsync()).ToUpperInvariant());
        });
        Assert.Equal("hello curl", await CurlAsync($"{app.Url}/hello/curl"));
        Assert.Equal("SHOUT", await CurlAsync("--data-binary", "shout", $"{app.Url}/upper"));
        Assert.Equal("CHUNKED", await CurlAsync("-H", "Transfer-Encoding: chunked", "--data-binary", "chunked", $"{app.Url}/upper"));
        // Two URLs on one command line: curl reuses the connection when the first response leaves it open.
        var (twice, log) = await CurlWithLogAsync("--verbose", $"{app.Url}/hello/one", $"{app.Url}/hello/two");
        Assert.Equal("hello onehello two", twice);
        Assert.Contains("Re-using existing connection", log, StringComparison.OrdinalIgnoreCase);
        var head = await CurlAsync("--head", $"{app.Url}/hello/x");
        Assert.StartsWith("HTTP/1.1 405", head); // MapGet answers GET only, on both
    }
}
