using System.Net;
using Micro.Http;
using Micro.Transport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Benchmarks;

/// <summary>
/// One HTTP connection driven on the calling thread, as its reactor drives it, without a socket: a batch of requests
/// is handed to it as a receive would hand it, and the transport under it drops the framed responses at the flush. What
/// it measures is the managed path alone (parsing, dispatch, the app, framing, the response line), free of the
/// kernel's share and of the noise of loopback sockets.
/// </summary>
internal sealed class ExchangePath
{
    private readonly HttpConnection _connection;
    private readonly DiscardingTransport _transport;
    private readonly byte[] _batch;

    /// <summary>HttpArena's pipelined batch: sixteen "GET /pipeline" requests as its load generator sends them.</summary>
    public static byte[] PipelinedBatch(int count, string extraHeaders = "") => PipelinedBatch(count, extraHeaders, ["/pipeline"]);

    /// <summary>As above, the requests taking <paramref name="paths"/> in turn.</summary>
    public static byte[] PipelinedBatch(int count, string extraHeaders, string[] paths) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(0, count).Select(i => $"GET {paths[i % paths.Length]} HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n{extraHeaders}\r\n")));

    public ExchangePath(HttpHandler handler, byte[] batch, MicroServerOptions? options = null)
    {
        options ??= new MicroServerOptions { ReactorCount = 1 };
        var reactor = new Reactor(0, MicroServer.TransportOptionsFor(options, [], reactorCount: 1, maxConnections: null),
            new ReactorLog(NullLogger.Instance), new ConnectionCounter(null), _ => throw new InvalidOperationException("No socket is accepted here."));
        reactor.AdoptCallingThread(); // BenchmarkDotNet calls setup and the benchmark on one thread
        var state = new HttpReactorState(reactor, handler, MicroServer.HttpOptions(options), new HttpLog(NullLogger.Instance), new StopSignal());
        _transport = new DiscardingTransport(new OutputBuffer(reactor.Pool));
        _connection = new HttpConnection(_transport, state);
        _batch = batch;
        ResponseFramer.RefreshDate();
        Deliver(); // the first batch fills the pools, as on a connection that has served before
    }

    /// <summary>Hands the batch to the connection; throws unless all of it was taken and answered.</summary>
    public int Deliver()
    {
        var before = _transport.Sent;
        var consumed = _connection.OnReceived(_batch, _batch.Length);
        if (consumed != _batch.Length || _transport.Sent == before)
        {
            throw new InvalidOperationException($"The batch was not answered: {consumed} of {_batch.Length} bytes taken, {_transport.Sent - before} sent.");
        }
        return consumed;
    }

    /// <summary>The bytes of the last flush, for a benchmark's own check of what it answers.</summary>
    public string LastResponses => _transport.Last;

    /// <summary>A transport whose flush drops what was framed (counting it); the peer is a client on loopback.</summary>
    private sealed class DiscardingTransport(OutputBuffer output) : IConnectionTransport
    {
        public long Sent { get; private set; }
        public string Last { get; private set; } = "";
        public IPEndPoint? RemoteEndPoint { get; } = new(IPAddress.Loopback, 40000);
        public IPEndPoint? LocalEndPoint { get; } = new(IPAddress.Loopback, 8080);
        public object? Observation => null;
        public void NoteEnd(ConnectionError error) => throw new InvalidOperationException($"The connection should not end ({error}).");
        public OutputBuffer Output { get; } = output;
        public bool IsClosed => false;
        public bool InputEnded => false;
        public bool HasBufferedInput => false;
        public bool IsOutputFull => false;
        public bool ReadsSlowerThan(DataRate rate, long now) => false;

        public void Flush()
        {
            Sent += Output.Length;
            if (Last.Length == 0)
            {
                Last = Encoding.ASCII.GetString(Output.ToArray()); // once, at setup: what a benchmark answers can be looked at
            }
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
