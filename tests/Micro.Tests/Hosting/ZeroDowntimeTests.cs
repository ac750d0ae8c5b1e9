using Micro.Tests.Shared;
using System.Net;

namespace Micro.Tests.Hosting;

/// <summary>
/// Issue 14: a running instance replaced by a new process, under load, without one failed request. The new process
/// joins the port (--share-port, SO_REUSEPORT), the old one gets SIGTERM: it stops accepting, finishes what it has and
/// exits. Both run in a private network namespace with net.ipv4.tcp_migrate_req = 1, as docs/deploy.md says to set,
/// so the connections queued at the old process's sockets when it closes them move to the new one's.
/// </summary>
[Collection(nameof(Http.AllocationTests))] // four servers and eight busy clients: alone, so the others' timeouts are not starved
public sealed class ZeroDowntimeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_process_replaced_three_times_under_load_fails_no_request()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var token = deadline.Token;
        using var network = await NetworkNamespace.CreateAsync([("net/ipv4/tcp_migrate_req", "1")], token);
        var running = await ServedProcess.StartAsync(BuiltApps.TargetApp, token, ["--share-port"], launcher: network.Launcher);
        var processes = new List<ServedProcess> { running };
        var endPoint = IPEndPoint.Parse(new Uri(running.Url).Authority);
        var load = new HandoverLoad(network, endPoint);
        using var stopLoad = new CancellationTokenSource();
        var loadRun = load.RunAsync(stopLoad.Token);
        try
        {
            await load.WaitUntilServedAsync(running.Id, 2000, token);
            for (var replacement = 0; replacement < 3; replacement++)
            {
                var next = await ServedProcess.StartAsync(BuiltApps.TargetApp, token, ["--port", endPoint.Port.ToString(), "--share-port"], launcher: network.Launcher);
                processes.Add(next);
                await load.WaitUntilServedAsync(next.Id, 1000, token); // both serve the port now
                await running.StopWithSigtermAsync(token);           // exits 0 once drained
                Assert.DoesNotContain("tcp_migrate_req", running.StartupOutput + running.Output); // the kernel setting was seen: no warning
                running = next;
            }
            await load.WaitUntilServedAsync(running.Id, load.ServedBy(running.Id) + 2000, token);
        }
        finally
        {
            await stopLoad.CancelAsync();
            await loadRun;
        }
        output.WriteLine($"{load.Answers} answers checked, {load.Retried} pipelined requests sent again after their connection ended, served by {string.Join(", ", processes.Select(p => $"{p.Id}: {load.ServedBy(p.Id)}"))}");
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed:\n{string.Join("\n", load.Failures.Take(20))}");
        Assert.All(processes, process => Assert.True(load.ServedBy(process.Id) > 0, $"process {process.Id} served nothing"));
        await running.StopWithSigtermAsync(token);
        foreach (var process in processes)
        {
            process.Dispose();
        }
    }

    [Fact]
    public async Task Sharing_the_port_where_the_kernel_would_reset_queued_connections_says_so()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        using var network = await NetworkNamespace.CreateAsync([("net/ipv4/tcp_migrate_req", "0")], deadline.Token);
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token, ["--share-port"], launcher: network.Launcher);
        Assert.Contains("net.ipv4.tcp_migrate_req is not 1", app.StartupOutput);
    }
}
