using Micro.Tests.Shared;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The chaos soak of issue 9 against an ASP.NET Core app on Micro (tests/AspNetCoreTargetApp, its own process, so its
/// descriptors and memory can be read), on each schedule: 32 hostile clients run random scenarios for 15 s (pipelines
/// split anywhere, bodies sized and chunked, streamed answers flushed line by line from the app's threads, resets
/// mid-request and mid-pipeline, half-closes, slow and never-reading clients, WebSocket frames declaring a megabyte
/// they never send, garbage). Every answer must be right, and every descriptor given back.
/// (<c>SOAK_APP=aspnetcore scripts/soak.sh MINUTES</c> runs the long one.)
/// </summary>
public sealed class AspNetCoreSoakTests
{
    [Theory]
    [InlineData("ThreadPool")]
    [InlineData("Inline")]
    public async Task Fifteen_seconds_of_chaos_get_every_answer_right_and_leave_no_descriptor_behind(string scheduling)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var app = await ServedProcess.StartAsync(BuiltApps.AspNetCoreTargetApp, deadline.Token, ["--urls", "http://127.0.0.1:0", "--Micro:Scheduling", scheduling], portZero: false);
        var uri = new Uri(app.Url);
        var log = new StringWriter();
        var report = await Soak.Soak.RunAsync(new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port), app.Id, TimeSpan.FromSeconds(15), clients: 32, seed: Environment.TickCount, log, finEndsRequests: true);
        Assert.True(report.Requests > 1000, log.ToString());
        Assert.True(report.Passed, log.ToString() + "\nserver log:\n" + app.Output);
        Assert.True(report.RssPeakKiB < 512 * 1024, log.ToString());
        await app.StopWithSigtermAsync(deadline.Token);
        Assert.DoesNotContain("fail:", app.Output); // nothing the clients did is the app's or the server's failure
    }
}
