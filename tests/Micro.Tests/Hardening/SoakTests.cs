using Micro.Tests.Shared;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9: a short chaos soak in every test run (scripts/soak.sh MINUTES runs the long one). tests/TargetApp runs as
/// its own process so its descriptors and memory can be read; 32 hostile clients run random scenarios for 20 s.
/// </summary>
public sealed class SoakTests
{
    [Fact]
    public async Task Twenty_seconds_of_chaos_get_every_answer_right_and_leave_no_descriptor_behind()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token);
        var uri = new Uri(app.Url);
        var log = new StringWriter();
        var report = await Soak.Soak.RunAsync(new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port), app.Id, TimeSpan.FromSeconds(20), clients: 32, seed: Environment.TickCount, log);
        Assert.True(report.Requests > 1000, log.ToString());
        Assert.True(report.Passed, log.ToString());
        // Bounded: the whole server, 32 clients' worth of pipelines and streams in flight, in well under 512 MiB.
        Assert.True(report.RssPeakKiB < 512 * 1024, log.ToString());
        await app.StopWithSigtermAsync(deadline.Token);
    }
}
