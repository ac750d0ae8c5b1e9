using BenchmarkDotNet.Running;

if (args is ["--loop", var benchmark, ..])
{
    Micro.Benchmarks.ProfileLoop.Run(benchmark, args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}
if (args is ["--versus", var first, var second, ..])
{
    Micro.Benchmarks.ProfileLoop.Versus(first, second, args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 20);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Micro.Benchmarks.ParserBenchmarks).Assembly).Run(args);
