using BenchmarkDotNet.Running;

if (args is ["--loop", var benchmark, ..])
{
    Micro.Benchmarks.ProfileLoop.Run(benchmark, args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 10);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Micro.Benchmarks.ParserBenchmarks).Assembly).Run(args);
