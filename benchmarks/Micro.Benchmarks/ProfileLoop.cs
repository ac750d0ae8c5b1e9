using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

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
        var dot = benchmark.LastIndexOf('.');
        var type = typeof(ProfileLoop).Assembly.GetTypes().FirstOrDefault(t => t.Name == benchmark[..Math.Max(dot, 0)])
            ?? throw new ArgumentException($"No benchmark class named in '{benchmark}' (ClassName.MethodName).");
        var method = type.GetMethod(benchmark[(dot + 1)..]) ?? throw new ArgumentException($"{type.Name} has no method {benchmark[(dot + 1)..]}.");
        var instance = Activator.CreateInstance(type)!;
        foreach (var setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is { } a && (a.Targets is null or [] || a.Targets.Contains(method.Name))))
        {
            setup.Invoke(instance, null);
        }
        var body = method.CreateDelegate<Func<int>>(instance);
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
}
