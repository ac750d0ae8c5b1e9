using System.Net;
using System.Net.Sockets;
using System.Text;
using BenchmarkDotNet.Attributes;
using Micro.Compression;
using Micro.Cors;
using Micro.Hosting;
using Micro.Proxy;

namespace Micro.Benchmarks;

/// <summary>
/// Issue 24: what a middleware costs a request it does not act on. The same pipelined plaintext request through an
/// app with nothing, and with one middleware that has nothing to do for it: compression (no Accept-Encoding), CORS
/// (no Origin), forwarded headers (from a peer it does not trust), all three; and with a telemetry listener attached
/// to another source (Micro's own instruments stay off). One app on one reactor, a loopback socket, 64 requests per
/// operation (each benchmark its own process and app): the ratio to None is what the middleware adds to a request.
///   dotnet run -c Release --project benchmarks/Micro.Benchmarks -- --filter '*MiddlewareBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MiddlewareBenchmarks
{
    private const int Pipelined = 64;
    private MicroApp _app = null!;
    private Socket _socket = null!;
    private byte[] _requests = null!;
    private byte[] _buffer = null!;
    private int _responseLength;
    private System.Diagnostics.ActivityListener? _listener;

    [GlobalSetup(Target = nameof(None))]
    public void SetupNone() => Setup(app => { });

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

    /// <summary>Trusts one proxy, which is not the client here (loopback, trusted by default, is taken out).</summary>
    private static void Untrusting(ForwardedHeadersOptions forwarded)
    {
        forwarded.KnownNetworks.Clear();
        forwarded.KnownProxies.Add(IPAddress.Parse("10.0.0.1"));
    }

    [GlobalSetup(Target = nameof(OtherListener))]
    public void SetupOtherListener()
    {
        _listener = new System.Diagnostics.ActivityListener { ShouldListenTo = source => source.Name == "Someone.Else" };
        System.Diagnostics.ActivitySource.AddActivityListener(_listener);
        Setup(app => { });
    }

    private void Setup(Action<MicroApp> middleware)
    {
        _app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        middleware(_app);
        _app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));
        _app.Listen(0);
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(_app.EndPoints[0]);
        var request = "GET /plaintext HTTP/1.1\r\nHost: bench\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n";
        _requests = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(request, Pipelined)));
        _buffer = new byte[1024 * 1024];
        // One response's length, learned once: each operation then reads exactly 64 of them.
        _socket.Send(Encoding.ASCII.GetBytes(request));
        _responseLength = ReadOneResponse();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Pipelined)]
    public void None() => Roundtrip();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public void Compression() => Roundtrip();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public void Cors() => Roundtrip();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public void Forwarded() => Roundtrip();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public void AllThree() => Roundtrip();

    [Benchmark(OperationsPerInvoke = Pipelined)]
    public void OtherListener() => Roundtrip();

    private void Roundtrip()
    {
        _socket.Send(_requests);
        var expected = _responseLength * Pipelined;
        for (var received = 0; received < expected;)
        {
            received += _socket.Receive(_buffer, received, expected - received, SocketFlags.None);
        }
    }

    private int ReadOneResponse()
    {
        var received = 0;
        while (true)
        {
            received += _socket.Receive(_buffer, received, _buffer.Length - received, SocketFlags.None);
            var text = Encoding.ASCII.GetString(_buffer, 0, received);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && text.EndsWith("Hello, World!", StringComparison.Ordinal))
            {
                return received; // the Date header keeps its length: every response is this long
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _socket.Dispose();
        _app.StopAsync().GetAwaiter().GetResult();
        _listener?.Dispose();
    }
}
