namespace Micro.Benchmarks;

/// <summary>
/// Issue 24: the managed cost of a pipelined request, without the kernel's (<see cref="ExchangePath"/>): HttpArena's
/// pipelined batch through Micro's raw handler and through the public API. The kernel's share, and the comparison
/// with the fastest engines, are benchmarks/load/engines.sh's.
///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --filter '*ExchangePathBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class ExchangePathBenchmarks
{
    private const int Pipelined = 16;
    private ExchangePath _path = null!;

    [GlobalSetup(Target = nameof(Raw))]
    public void SetupRaw() => _path = new ExchangePath(static exchange =>
    {
        if (exchange.Head.Path.Of(exchange.RequestBytes).SequenceEqual("/pipeline"u8))
        {
            exchange.Respond(200, "text/plain"u8, "ok"u8);
        }
        else
        {
            exchange.Respond(404, "text/plain"u8, default);
        }
        return default;
    }, ExchangePath.PipelinedBatch(Pipelined));

    [GlobalSetup(Target = nameof(PublicApi))]
    public void SetupPublicApi()
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/pipeline", (req, res) => res.Header("Content-Type", "text/plain").Send("ok"u8));
        _path = new ExchangePath(app.PrepareToServe(), ExchangePath.PipelinedBatch(Pipelined));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pipelined)]
    public int Raw() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int PublicApi() => _path.Deliver();
}
