using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Micro.Compression;
using Micro.Cors;
using Micro.Hosting;
using Micro.Http;
using Micro.Proxy;
using Micro.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Benchmarks;

/// <summary>
/// Issue 24: the managed cost of a pipelined request, without the kernel's. HttpArena's pipelined batch (sixteen
/// "GET /pipeline" requests as gcannon sends them) handed to one HTTP connection as a receive would hand it, through the
/// raw handler, through the public API, and through the public API behind compression, CORS and forwarded
/// headers that have nothing to do for it; the transport under it keeps the framed responses and drops them at the
/// flush, so what is measured is parsing, dispatch, the handler, framing and the response line: user time only.
///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --filter '*ExchangePathBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class ExchangePathBenchmarks
{
    private const int Pipelined = 16;
    private static readonly byte[] Batch = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("GET /pipeline HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n", Pipelined)));

    private Reactor _reactor = null!;
    private HttpConnection _connection = null!;
    private DiscardingTransport _transport = null!;

    [GlobalSetup(Target = nameof(Raw))]
    public void SetupRaw() => Setup(static exchange =>
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
    });

    [GlobalSetup(Target = nameof(PublicApi))]
    public void SetupPublicApi()
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/pipeline", (req, res) => res.Header("Content-Type", "text/plain").Send("ok"u8));
        Setup(app.PrepareToServe());
    }

    [GlobalSetup(Target = nameof(IdleMiddleware))]
    public void SetupIdleMiddleware()
    {
        // HttpArena's entry registers compression; CORS and forwarded headers beside it, none with anything to do here
        // (no Accept-Encoding, no Origin, a peer that is not a trusted proxy), and the entry's handler: res.Send("ok").
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.UseCompression();
        app.UseCors(cors => cors.WithOrigins("https://app.example"));
        app.UseForwardedHeaders(forwarded =>
        {
            forwarded.KnownNetworks.Clear();
            forwarded.KnownProxies.Add(IPAddress.Parse("10.0.0.1"));
        });
        app.Get("/pipeline", (req, res) => res.Send("ok"));
        Setup(app.PrepareToServe());
    }

    private void Setup(HttpHandler handler)
    {
        var options = new MicroServerOptions { ReactorCount = 1 };
        HttpReactorState? state = null;
        _reactor = new Reactor(0, MicroServer.TransportOptionsFor(options, [], reactorCount: 1, maxConnections: null),
            new ReactorLog(NullLogger.Instance), new ConnectionCounter(null), _ => throw new InvalidOperationException("No socket is accepted here."));
        _reactor.AdoptCallingThread(); // BenchmarkDotNet calls setup and the benchmark on one thread
        state = new HttpReactorState(_reactor, handler, MicroServer.HttpOptions(options), new HttpLog(NullLogger.Instance), new StopSignal());
        _transport = new DiscardingTransport(new OutputBuffer(_reactor.Pool));
        _connection = new HttpConnection(_transport, state);
        ResponseFramer.RefreshDate();
        Deliver(); // the first batch: the pool of exchanges fills, as on a connection that has served before
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pipelined)]
    public int Raw() => Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int PublicApi() => Deliver();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public int IdleMiddleware() => Deliver();

    private int Deliver()
    {
        var consumed = _connection.OnReceived(Batch, Batch.Length);
        if (consumed != Batch.Length || _transport.Sent == 0)
        {
            throw new InvalidOperationException($"The batch was not answered: {consumed} bytes taken, {_transport.Sent} sent.");
        }
        return consumed;
    }

    /// <summary>A transport whose flush drops what was framed (counting it), so only the managed path is measured.</summary>
    private sealed class DiscardingTransport(OutputBuffer output) : IConnectionTransport
    {
        public long Sent { get; private set; }
        public IPEndPoint? RemoteEndPoint => null;
        public IPEndPoint? LocalEndPoint => null;
        public OutputBuffer Output { get; } = output;
        public bool IsClosed => false;
        public bool InputEnded => false;
        public bool HasBufferedInput => false;
        public bool IsOutputFull => false;
        public bool ReadsSlowerThan(DataRate rate, long now) => false;

        public void Flush()
        {
            Sent += Output.Length;
            Output.Release();
        }

        public void FlushSoon() => Flush();
        public void NotifyWhenDrained() { }
        public void PauseReading() { }
        public void ResumeReading() { }
        public void CloseAfterFlush() => throw new InvalidOperationException("The connection should stay open.");
        public void Close() => throw new InvalidOperationException("The connection should stay open.");
        public void SwitchProtocol(IConnectionProtocol next) => throw new InvalidOperationException("No upgrade here.");
    }
}
