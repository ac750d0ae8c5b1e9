using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Micro.Tests;

/// <summary>The hello-world example as a real process: it serves, and SIGTERM stops it gracefully.</summary>
public sealed partial class HostedAppTests
{
    [Fact]
    public async Task The_hello_world_app_serves_and_stops_cleanly_on_sigterm()
    {
        // Built alongside the tests, in the same configuration.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var dll = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../examples/HelloWorld/bin", configuration, "net10.0/HelloWorld.dll"));
        Assert.True(File.Exists(dll), $"{dll} was not built");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        using var process = Process.Start(start)!;
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var banner = await process.StandardOutput.ReadLineAsync(deadline.Token);
            var url = ListeningOn().Match(banner ?? "").Groups[1].Value;
            Assert.False(string.IsNullOrEmpty(url), $"unexpected first line: {banner}");

            using var client = new HttpClient();
            Assert.Equal("Hello, World!", await client.GetStringAsync(url, deadline.Token));
            Assert.Equal("{\"message\":\"Hello, World!\"}", await client.GetStringAsync(url + "/json", deadline.Token));
            Assert.Equal("Hello, Ana!", await client.GetStringAsync(url + "/hello/Ana", deadline.Token));

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await kill.WaitForExitAsync(deadline.Token);
            }
            await process.WaitForExitAsync(deadline.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();
}
