using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Micro.Benchmarks.ParserBenchmarks).Assembly).Run(args);
