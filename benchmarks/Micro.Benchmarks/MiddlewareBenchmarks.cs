using System.Net;
using Micro.Compression;
using Micro.Cors;
using Micro.Proxy;

namespace Micro.Benchmarks;

/// <summary>
/// Issue 24: what a middleware costs a request it does not act on. HttpArena's pipelined request (as the entry answers
/// it: <c>res.Send("ok")</c>) through an app with nothing, and with one middleware that has nothing to do for it:
/// a middleware that only calls the next (the floor), compression (no Accept-Encoding), CORS (no Origin), forwarded headers (from a peer it does not trust, with an
/// X-Forwarded-For it must ignore), all three; and with a telemetry listener attached to another source (Micro's own
/// instruments stay off). Driven in process (<see cref="ExchangePath"/>), so a few nanoseconds show: the difference to
/// None is what the middleware adds to a request's managed path.
///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --filter '*MiddlewareBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    private const int Pipelined = 16;
    private ExchangePath _path = null!;
    private System.Diagnostics.ActivityListener? _listener;

    [GlobalSetup(Target = nameof(None))]
    public void SetupNone() => Setup(app => { });

    /// <summary>A middleware that only calls the next: what any layer costs, the floor for the ones below.</summary>
    [GlobalSetup(Target = nameof(PassThrough))]
    public void SetupPassThrough() => Setup(app => app.Use((req, res, next) => next.Invoke()));

    /// <summary>
    /// No middleware; the route adds the one line compression owes a compressible response to a request without
    /// Accept-Encoding (<c>Vary: Accept-Encoding</c>), as the framework adds its own lines: the floor under what
    /// compression can cost such a request while it owes that line.
    /// </summary>
    [GlobalSetup(Target = nameof(VaryLine))]
    public void SetupVaryLine() => Setup(app => { }, app => app.Get("/pipeline", (req, res) =>
    {
        res.Exchange.AddFrameworkLine(Http.KnownResponseHeader.Vary, "Vary: Accept-Encoding\r\n"u8);
        res.Send("ok");
    }), "/pipeline");

    [GlobalSetup(Target = nameof(Compression))]
    public void SetupCompression() => Setup(app => app.UseCompression());

    [GlobalSetup(Target = nameof(Cors))]
    public void SetupCors() => Setup(app => app.UseCors(cors => cors.WithOrigins("https://app.example")));

    [GlobalSetup(Target = nameof(Forwarded))]
    public void SetupForwarded() => Setup(app => app.UseForwardedHeaders(Untrusting));

    [GlobalSetup(Target = nameof(AllThree))]
    public void SetupAllThree() => Setup(app =>
    {
        app.UseCompression();
        app.UseCors(cors => cors.WithOrigins("https://app.example"));
        app.UseForwardedHeaders(Untrusting);
    });

    // The same four with the batch spread over four routes, each with a handler of its own: the handler's call is no
    // longer one the JIT can inline into the request path (it cannot in an app whose traffic goes to several routes),
    // so the difference is the middleware's own work, not the inlining its layer takes away from a single route.
    [GlobalSetup(Target = nameof(NoneFourRoutes))]
    public void SetupNoneFourRoutes() => Setup(app => { }, FourRoutes);

    [GlobalSetup(Target = nameof(PassThroughFourRoutes))]
    public void SetupPassThroughFourRoutes() => Setup(app => app.Use((req, res, next) => next.Invoke()), FourRoutes);

    [GlobalSetup(Target = nameof(CompressionFourRoutes))]
    public void SetupCompressionFourRoutes() => Setup(app => app.UseCompression(), FourRoutes);

    [GlobalSetup(Target = nameof(CorsFourRoutes))]
    public void SetupCorsFourRoutes() => Setup(app => app.UseCors(cors => cors.WithOrigins("https://app.example")), FourRoutes);

    [GlobalSetup(Target = nameof(OtherListener))]
    public void SetupOtherListener()
    {
        _listener = new System.Diagnostics.ActivityListener { ShouldListenTo = source => source.Name == "Someone.Else" };
        System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        Setup(app => { });
    }

    /// <summary>Trusts one proxy, which is not the client here (loopback, trusted by default, is taken out).</summary>
    private static void Untrusting(ForwardedHeadersOptions forwarded)
    {
        forwarded.KnownNetworks.Clear();
        forwarded.KnownProxies.Add(IPAddress.Parse("10.0.0.1"));
    }

    private void Setup(Action<MicroApp> middleware) => Setup(middleware, app => app.Get("/pipeline", (req, res) => res.Send("ok")), "/pipeline");

    private void Setup(Action<MicroApp> middleware, Action<MicroApp> routes, params string[] paths)
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        middleware(app);
        routes(app);
        _path = new ExchangePath(app.PrepareToServe(), ExchangePath.PipelinedBatch(Pipelined, "X-Forwarded-For: 203.0.113.7\r\n", paths));
    }

    private void Setup(Action<MicroApp> middleware, (Action<MicroApp> Routes, string[] Paths) routes) => Setup(middleware, routes.Routes, routes.Paths);

    /// <summary>Four routes, each a handler of its own (four methods, not one closure four times: the JIT tells delegates apart by method).</summary>
    private static readonly (Action<MicroApp> Routes, string[] Paths) FourRoutes = (app =>
    {
        app.Get("/one", (req, res) => res.Send("ok"));
        app.Get("/two", (req, res) => res.Send("ok2"));
        app.Get("/three", (req, res) => res.Send("ok33"));
        app.Get("/four", (req, res) => res.Send("ok444"));
    }, ["/one", "/two", "/three", "/four"]);

    [Benchmark(Baseline = true, OperationsPerInvoke = Pipelined)]
    public int None() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int PassThrough() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int VaryLine() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int Compression() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int Cors() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int Forwarded() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int AllThree() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int OtherListener() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int NoneFourRoutes() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int PassThroughFourRoutes() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int CompressionFourRoutes() => _path.Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int CorsFourRoutes() => _path.Deliver();

    [GlobalCleanup]
    public void Cleanup() => _listener?.Dispose();
}
