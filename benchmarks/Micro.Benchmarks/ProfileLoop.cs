using System.Diagnostics;
using System.Reflection;

namespace Micro.Benchmarks;

/// <summary>
/// One benchmark run in a plain loop for a profiler to watch (perf with perf maps), without BenchmarkDotNet's
/// processes around it: its setup called as BenchmarkDotNet calls it, then the benchmark for a second unmeasured (the JIT's tiers settle) and for the given seconds measured.
///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --loop MiddlewareBenchmarks.Compression 10
/// </summary>
internal static class ProfileLoop
{
    public static void Run(string benchmark, double seconds)
    {
        var body = Prepare(benchmark);
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed.TotalSeconds < 1)
        {
            body(); // the tiers settle (tier 0, instrumented, tier 1) before the clock starts
        }
        var clock = Stopwatch.StartNew();
        long calls = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 1000; i++)
            {
                body();
            }
            calls += 1000;
        }
        Console.WriteLine($"{benchmark}: {calls} calls, {clock.Elapsed.TotalNanoseconds / calls:F1} ns each");
    }

    /// <summary>
    /// Two benchmarks in one process, in alternating blocks of a fraction of a millisecond, for the given seconds: the
    /// machine's noise (a shared host) falls on both alike, so the ratio of their times holds where separate runs swing
    /// by 10%. Each runs on a thread of its own (a benchmark's reactor adopts its thread), the two taking turns. Prints
    /// each one's median time per call and the median of the blocks' ratios (second to first).
    ///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --versus MiddlewareBenchmarks.None MiddlewareBenchmarks.Cors 20
    /// </summary>
    public static void Versus(string first, string second, double seconds)
    {
        const int Calls = 200;
        var turns = new[] { new SemaphoreSlim(0), new SemaphoreSlim(0) };
        using var ready = new CountdownEvent(2);
        var times = new[] { new List<double>(), new List<double>() };
        var stop = false;
        var threads = new[] { first, second }.Select((benchmark, side) => new Thread(() =>
        {
            var body = Prepare(benchmark);
            var warmup = Stopwatch.StartNew();
            while (warmup.Elapsed.TotalSeconds < 2)
            {
                body(); // each settles its tiers alone, before the turns begin
            }
            ready.Signal();
            turns[side].Wait();
            while (!Volatile.Read(ref stop))
            {
                times[side].Add(Time(body, Calls));
                turns[1 - side].Release();
                turns[side].Wait();
            }
            turns[1 - side].Release(); // the other, waiting for its turn, sees the stop too
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        ready.Wait();
        var clock = Stopwatch.StartNew();
        turns[0].Release();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            Thread.Sleep(100);
        }
        Volatile.Write(ref stop, true);
        foreach (var thread in threads)
        {
            thread.Join();
        }
        var blocks = Math.Min(times[0].Count, times[1].Count);
        var ratios = Enumerable.Range(0, blocks).Select(i => times[1][i] / times[0][i]).ToList();
        Console.WriteLine($"{first}: {Median(times[0]):F1} ns per call; {second}: {Median(times[1]):F1} ns per call; " +
            $"ratio {Median(ratios):F4} (blocks {blocks}, middle half {Quantile(ratios, 0.25):F4}-{Quantile(ratios, 0.75):F4})");
    }

    private static double Time(Func<int> body, int calls)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            body();
        }
        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    private static double Median(List<double> values) => Quantile(values, 0.5);

    private static double Quantile(List<double> values, double q)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Round(q * (sorted.Count - 1))];
    }

    /// <summary>A benchmark's instance made and set up as BenchmarkDotNet would, and its method as a delegate.</summary>
    private static Func<int> Prepare(string benchmark)
    {
        var dot = benchmark.LastIndexOf('.');
        var type = typeof(ProfileLoop).Assembly.GetTypes().FirstOrDefault(t => t.Name == benchmark[..Math.Max(dot, 0)])
            ?? throw new ArgumentException($"No benchmark class named in '{benchmark}' (ClassName.MethodName).");
        var method = type.GetMethod(benchmark[(dot + 1)..]) ?? throw new ArgumentException($"{type.Name} has no method {benchmark[(dot + 1)..]}.");
        var instance = Activator.CreateInstance(type)!;
        foreach (var setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is { } a && (a.Targets is null or [] || a.Targets.Contains(method.Name))))
        {
            setup.Invoke(instance, null);
        }
        return method.CreateDelegate<Func<int>>(instance);
    }
}
