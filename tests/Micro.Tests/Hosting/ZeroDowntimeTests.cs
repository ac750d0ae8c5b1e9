using Micro.Tests.Shared;

namespace Micro.Tests.Hosting;

/// <summary>
/// Issue 14: a running instance replaced by a new process, under load, without one failed request, both ways Micro
/// supports. Sharing the port: the new process joins it (--share-port, SO_REUSEPORT), the old one gets SIGTERM, stops
/// accepting, finishes what it has and exits; with net.ipv4.tcp_migrate_req = 1, as docs/deploy.md says to set, the
/// connections queued at the old process's sockets when it closes them move to the new one's. Socket activation: one
/// socket, held open by its holder (systemd), served by each instance in turn. Each runs in a private network namespace.
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
    public async Task A_process_replaced_three_times_under_load_on_a_socket_systemd_holds_fails_no_request()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var token = deadline.Token;
        using var network = await NetworkNamespace.CreateAsync([], token);
        // systemd-socket-activate binds 8080 (the namespace's own) and hands it to socket-holder.sh, which keeps it
        // open, as systemd keeps a .socket unit's, and starts the app's instances on it.
        var start = new ProcessStartInfo(network.Launcher[0]) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in network.Launcher.Skip(1).Concat(["systemd-socket-activate", "-l", "127.0.0.1:8080", "bash", HolderScript, "dotnet", BuiltApps.TargetApp, "--port", "0"]))
        {
            start.ArgumentList.Add(argument);
        }
        using var holder = Process.Start(start)!;
        // It says so once the socket is bound and listening: connections made from then on wait in its queue.
        Assert.Equal("Listening on 127.0.0.1:8080 as 3.", await holder.StandardError.ReadLineAsync(token));
        _ = holder.StandardError.ReadToEndAsync(token);
        var load = new HandoverLoad(network, new IPEndPoint(IPAddress.Loopback, 8080));
        using var stopLoad = new CancellationTokenSource();
        var loadRun = load.RunAsync(stopLoad.Token); // its first connection is what makes systemd-socket-activate start the holder
        var served = new List<int>();
        try
        {
            var running = await StartedAsync(holder, token);
            served.Add(running);
            await load.WaitUntilServedAsync(running, 2000, token);
            for (var replacement = 0; replacement < 3; replacement++)
            {
                await holder.StandardInput.WriteLineAsync("start");
                var next = await StartedAsync(holder, token);
                served.Add(next);
                await load.WaitUntilServedAsync(next, 1000, token); // both take connections from the one socket
                await holder.StandardInput.WriteLineAsync($"stop {running}");
                Assert.Equal($"exited {running} 0", await LineAsync(holder, "exited ", token)); // a graceful stop
                running = next;
            }
            await load.WaitUntilServedAsync(running, load.ServedBy(running) + 2000, token);
            await stopLoad.CancelAsync();
            await loadRun;
            await holder.StandardInput.WriteLineAsync($"stop {running}");
            Assert.Equal($"exited {running} 0", await LineAsync(holder, "exited ", token));
        }
        finally
        {
            await stopLoad.CancelAsync();
            await loadRun;
            holder.Kill(entireProcessTree: true);
        }
        output.WriteLine($"{load.Answers} answers checked, {load.Retried} pipelined requests sent again, served by {string.Join(", ", served.Select(pid => $"{pid}: {load.ServedBy(pid)}"))}");
        Assert.True(load.Failures.Count == 0, $"{load.Failures.Count} failed:\n{string.Join("\n", load.Failures.Take(20))}");
        Assert.All(served, pid => Assert.True(load.ServedBy(pid) > 0, $"process {pid} served nothing"));
    }

    private static string HolderScript => Path.Combine(Repository.Root, "tests", "Micro.Tests", "Hosting", "socket-holder.sh");

    private static async Task<int> StartedAsync(Process holder, CancellationToken cancellationToken) =>
        int.Parse((await LineAsync(holder, "started ", cancellationToken))["started ".Length..]);

    /// <summary>The holder's next line that starts with <paramref name="prefix"/>; the instances' own output, on the same pipe, is passed over.</summary>
    private static async Task<string> LineAsync(Process holder, string prefix, CancellationToken cancellationToken)
    {
        while (await holder.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
        throw new IOException($"the socket holder ended before saying '{prefix}...'");
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
