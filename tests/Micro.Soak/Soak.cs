using System.Net;

namespace Micro.Soak;

/// <summary>A chaos run plus the server process's descriptors and memory, read from /proc, before, during and after.</summary>
internal static class Soak
{
    public sealed record Report(long Requests, long Failures, int FdsBefore, int FdsAfter, long RssBeforeKiB, long RssPeakKiB, long RssAfterKiB, bool FdsReturned)
    {
        public bool Passed => Failures == 0 && FdsReturned;
    }

    public static async Task<Report> RunAsync(IPEndPoint endPoint, int pid, TimeSpan duration, int clients, int seed, TextWriter log, bool finEndsRequests = false)
    {
        // A warm-up round first: the runtime opens some descriptors once, lazily (assemblies it maps the first time
        // a path runs), and those are not leaks. The baseline is taken once its connections have all ended.
        var idleSockets = Sockets(pid); // its listeners and the runtime's diagnostics socket
        var warmUp = new ChaosRun(endPoint, seed + 1, finEndsRequests);
        await warmUp.RunAsync(clients, TimeSpan.FromSeconds(3));
        var quiet = System.Diagnostics.Stopwatch.StartNew();
        await WaitForQuietAsync(pid, idleSockets);
        log.WriteLine($"  warm-up connections ended {quiet.Elapsed.TotalSeconds:0.0} s after it");
        var fdsBefore = OpenDescriptors(pid);
        var namesBefore = DescriptorTargets(pid);
        var rssBefore = RssKiB(pid);
        var run = new ChaosRun(endPoint, seed, finEndsRequests);
        var started = DateTime.UtcNow;
        var running = run.RunAsync(clients, duration);
        var rssPeak = rssBefore;
        while (await Task.WhenAny(running, Task.Delay(1000)) != running)
        {
            if (!Directory.Exists($"/proc/{pid}"))
            {
                log.WriteLine($"the server process {pid} ended during the run, after {run.Requests} responses");
                return new Report(run.Requests, run.FailureCount + 1, fdsBefore, 0, rssBefore, rssPeak, 0, false);
            }
            rssPeak = Math.Max(rssPeak, RssKiB(pid));
            if ((DateTime.UtcNow - started).TotalSeconds % 60 < 1)
            {
                log.WriteLine($"  {(DateTime.UtcNow - started):mm\\:ss}: {run.Requests} requests checked, {run.FailureCount} failures, {OpenDescriptors(pid)} fds, RSS {RssKiB(pid) / 1024} MiB");
            }
        }
        await running;
        rssPeak = Math.Max(rssPeak, RssKiB(pid));
        // Connections the clients dropped end on the server's side within a moment (resets at once; the slowest,
        // a client that never read, by the response data rate's grace period): wait for that, bounded.
        var settling = System.Diagnostics.Stopwatch.StartNew();
        var fdsAfter = OpenDescriptors(pid);
        var until = DateTime.UtcNow.AddSeconds(30);
        while (fdsAfter > fdsBefore && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
            fdsAfter = OpenDescriptors(pid);
        }
        log.WriteLine($"  descriptors back to the baseline {settling.Elapsed.TotalSeconds:0.0} s after the run");
        var report = new Report(run.Requests, run.FailureCount, fdsBefore, fdsAfter, rssBefore, rssPeak, RssKiB(pid), fdsAfter <= fdsBefore);
        log.WriteLine($"seed {seed}, {clients} clients, {duration.TotalMinutes:0.#} min: scenarios {string.Join(", ", run.Scenarios.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
        log.WriteLine($"{report.Requests} responses checked, {report.Failures} failures; server fds {report.FdsBefore} before, {report.FdsAfter} after; RSS {report.RssBeforeKiB / 1024} MiB before, {report.RssPeakKiB / 1024} MiB peak, {report.RssAfterKiB / 1024} MiB after");
        if (!report.FdsReturned)
        {
            var now = DescriptorTargets(pid);
            log.WriteLine($"  descriptors open now and not before: {string.Join(", ", now.Where(pair => !namesBefore.TryGetValue(pair.Key, out var was) || was != pair.Value).Select(pair => $"{pair.Key} -> {pair.Value}"))}");
        }
        foreach (var failure in run.Failures)
        {
            log.WriteLine($"  failure: {failure}");
        }
        return report;
    }

    /// <summary>Until the server holds no socket it did not hold when idle (its connections have all ended), 30 s at most.</summary>
    private static async Task WaitForQuietAsync(int pid, HashSet<string> idleSockets)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < until && !Sockets(pid).IsSubsetOf(idleSockets))
        {
            await Task.Delay(100);
        }
    }

    private static HashSet<string> Sockets(int pid) =>
        [.. DescriptorTargets(pid).Values.Where(target => target.StartsWith("socket:", StringComparison.Ordinal))];

    /// <summary>
    /// The server's open descriptors but the code files the runtime opens as it first needs them (an assembly or its
    /// symbols, loaded lazily mid-run, to render a stack or by a path run for the first time): those stay open for the
    /// process's life and are not what a connection leaks.
    /// </summary>
    public static int OpenDescriptors(int pid) => DescriptorTargets(pid).Values.Count(target => !IsCodeFile(target));

    private static bool IsCodeFile(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal) || target.EndsWith(".pdb", StringComparison.Ordinal) || target.EndsWith(".so", StringComparison.Ordinal);

    /// <summary>Each open descriptor and what it points to; one closed while they are listed is left out.</summary>
    private static Dictionary<string, string> DescriptorTargets(int pid)
    {
        var targets = new Dictionary<string, string>();
        foreach (var path in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            try
            {
                targets[Path.GetFileName(path)] = new FileInfo(path).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                // closed meanwhile
            }
        }
        return targets;
    }

    public static long RssKiB(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
    }
}
