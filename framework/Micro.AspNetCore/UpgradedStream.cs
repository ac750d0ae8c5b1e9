using System.Threading.Tasks.Sources;
using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// The connection after an upgrade (IHttpUpgradeFeature.UpgradeAsync), as the opaque duplex stream ASP.NET Core's
/// WebSocket middleware and SignalR build on. It is the connection's protocol on its reactor: bytes that arrive are
/// copied straight into the read the app has waiting (none waiting: reading pauses and the transport keeps them, so
/// nothing is buffered here), writes go to the transport's output and wait while it is past its high-water mark.
/// The app calls from any thread; everything that touches the transport is posted to the reactor.
/// </summary>
internal sealed class UpgradedStream : ForwardOnlyStream, IConnectionProtocol, IValueTaskSource<int>, IValueTaskSource
{
    private readonly Reactor _reactor;
    private readonly Action _onClosed;
    private readonly KestrelMetrics? _metrics;
    private bool _counted; // counted as an upgraded connection: once attached, until it closes
    private ProtocolSwitch _switch;
    private bool _attached;
    private bool _ended; // the peer sent FIN, or the connection closed
    private bool _closed;
    private bool _disposeRequested;
    private ManualResetValueTaskSourceCore<int> _read = new() { RunContinuationsAsynchronously = true };
    private Memory<byte> _readInto;
    private bool _readPending;   // the reactor's: a read is waiting for bytes
    private bool _readActive;    // the app's: a read was asked for and its result not taken
    private bool _writeActive;   // the app's: a write was asked for and its result not taken
    private CancellationTokenRegistration _readCancellation;
    private ManualResetValueTaskSourceCore<bool> _write = new() { RunContinuationsAsynchronously = true };
    private ReadOnlyMemory<byte> _writeFrom;
    private bool _writeQueued;   // posted or waiting for the switch
    private bool _writeDraining; // written, waiting for the output to drain

    /// <param name="reactor">The connection's reactor.</param>
    /// <param name="onClosed">Called on the reactor when the connection ends (RequestAborted fires).</param>
    /// <param name="metrics">Where the connection is counted as upgraded while it is attached.</param>
    public UpgradedStream(Reactor reactor, Action onClosed, KestrelMetrics? metrics = null)
    {
        _reactor = reactor;
        _onClosed = onClosed;
        _metrics = metrics;
    }

    /// <summary>Made the connection's protocol (on the reactor, when the 101 has gone out): reads and writes asked for before now start.</summary>
    public IConnectionProtocol Attach(ProtocolSwitch handover)
    {
        _switch = handover;
        _attached = true;
        _counted = _metrics?.Upgraded(handover.Transport.Observation) ?? false;
        if (_disposeRequested)
        {
            handover.Transport.CloseAfterFlush();
        }
        if (_writeQueued)
        {
            Write();
        }
        if (!_readPending)
        {
            handover.Transport.PauseReading(); // what the client sent after the handshake waits for the app's first read
        }
        return this;
    }

    private IConnectionTransport Transport => _switch.Transport;

    protected override string Carries => "The upgraded connection";

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_readActive)
        {
            throw new InvalidOperationException("A read is already in progress on the upgraded connection.");
        }
        _readActive = true;
        _read.Reset();
        _readInto = buffer;
        if (cancellationToken.CanBeCanceled)
        {
            _readCancellation = cancellationToken.UnsafeRegister(static state => ((UpgradedStream)state!).Post(s_cancelRead), this);
        }
        Post(s_startRead);
        return new ValueTask<int>(this, _read.Version);
    }

    private static readonly SendOrPostCallback s_startRead = static state => ((UpgradedStream)state!).StartRead();
    private static readonly SendOrPostCallback s_cancelRead = static state => ((UpgradedStream)state!).CancelRead();
    private static readonly SendOrPostCallback s_write = static state => ((UpgradedStream)state!).WritePosted();
    private static readonly SendOrPostCallback s_dispose = static state => ((UpgradedStream)state!).DisposePosted();
    private static readonly SendOrPostCallback s_abandon = static state => ((IConnectionProtocol)state!).OnClosed();

    private void StartRead()
    {
        _readPending = true;
        if (_ended || _readInto.IsEmpty)
        {
            CompleteRead(0);
            return;
        }
        if (_attached)
        {
            Transport.ResumeReading(); // kept bytes come back through OnReceived
        }
    }

    private void CancelRead()
    {
        if (_readPending)
        {
            _readPending = false;
            _readCancellation.Dispose();
            _read.SetException(new OperationCanceledException("The read on the upgraded connection was canceled."));
        }
    }

    private void CompleteRead(int count)
    {
        _readPending = false;
        _readInto = default;
        _readCancellation.Dispose();
        _read.SetResult(count);
    }

    int IConnectionProtocol.OnReceived(byte[] buffer, int length)
    {
        if (!_readPending)
        {
            Transport.PauseReading();
            return 0;
        }
        var count = Math.Min(length, _readInto.Length);
        buffer.AsSpan(0, count).CopyTo(_readInto.Span);
        CompleteRead(count);
        if (count < length)
        {
            Transport.PauseReading(); // the rest stays with the transport until the next read
        }
        return count;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_writeActive)
        {
            throw new InvalidOperationException("A write is already in progress on the upgraded connection.");
        }
        if (buffer.IsEmpty)
        {
            return ValueTask.CompletedTask;
        }
        _writeActive = true;
        _write.Reset();
        _writeFrom = buffer;
        Post(s_write);
        return new ValueTask(this, _write.Version);
    }

    private void WritePosted()
    {
        if (_attached || _closed)
        {
            Write();
        }
        else
        {
            _writeQueued = true; // the switch has not happened yet: Attach writes it
        }
    }

    private void Write()
    {
        _writeQueued = false;
        var bytes = _writeFrom;
        _writeFrom = default;
        if (_closed)
        {
            _write.SetException(new IOException("The upgraded connection is closed."));
            return;
        }
        Transport.Output.Write(bytes.Span);
        Transport.Flush();
        if (Transport.IsOutputFull)
        {
            _writeDraining = true; // the client reads slowly: the app waits, nothing piles up
            Transport.NotifyWhenDrained();
            return;
        }
        _write.SetResult(true);
    }

    void IConnectionProtocol.OnOutputDrained()
    {
        if (_writeDraining)
        {
            _writeDraining = false;
            _write.SetResult(true);
        }
    }

    /// <summary>
    /// The client ended its side (FIN): reads end, and RequestAborted fires, as on Kestrel, where a client gone from
    /// an upgraded connection aborts it. The app may still write (a half-closed client can read) until it disposes.
    /// </summary>
    void IConnectionProtocol.OnInputEnded() => InputEnded();

    /// <summary>The same, seen while reading was paused (no read waiting).</summary>
    void IConnectionProtocol.OnPeerShutWhilePaused() => InputEnded();

    private void InputEnded()
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        if (_readPending)
        {
            CompleteRead(0);
        }
        _onClosed();
    }

    void IConnectionProtocol.OnTick(long nowMilliseconds)
    {
        if (Transport.ReadsSlowerThan(_switch.MinSendRate, nowMilliseconds))
        {
            Transport.Close(); // the one slow-reader rule, as for every protocol
        }
    }

    /// <summary>The app speaks the protocol; it closes its connections as the host stops (the reactors cut what is left at the shutdown timeout).</summary>
    void IConnectionProtocol.OnStopping()
    {
    }

    void IConnectionProtocol.OnClosed()
    {
        if (_counted)
        {
            _counted = false;
            _metrics!.UpgradeEnded(Transport.Observation);
        }
        var endedBefore = _ended;
        _closed = _ended = true;
        if (_readPending)
        {
            CompleteRead(0);
        }
        if (_writeDraining || _writeQueued)
        {
            _writeDraining = _writeQueued = false;
            _writeFrom = default;
            _write.SetException(new IOException("The upgraded connection was closed by the peer."));
        }
        if (!endedBefore)
        {
            _onClosed();
        }
    }

    /// <summary>The connection could not switch (the client left before its turn): reads end, writes fail.</summary>
    public void Abandon() => Post(s_abandon);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask; // each write is sent as it is made

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The upgraded connection is read asynchronously (ReadAsync).");

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The upgraded connection is written asynchronously (WriteAsync).");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Post(s_dispose);
        }
        base.Dispose(disposing);
    }

    private void DisposePosted()
    {
        _disposeRequested = true;
        if (_attached && !_closed)
        {
            Transport.CloseAfterFlush();
        }
    }

    private void Post(SendOrPostCallback work)
    {
        if (_reactor.IsOnReactorThread)
        {
            work(this);
        }
        else
        {
            _reactor.Post(work, this);
        }
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        _readActive = false;
        return _read.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _read.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _read.OnCompleted(continuation, state, token, ComeHomeWhenInline(flags));

    void IValueTaskSource.GetResult(short token)
    {
        _writeActive = false;
        _write.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _write.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _write.OnCompleted(continuation, state, token, ComeHomeWhenInline(flags));

    /// <summary>
    /// A wait begun on the reactor (an inline app) goes on on the reactor, queued behind what it is doing, even when
    /// the awaiter asked for no context: the runtime's WebSocket awaits each read with ConfigureAwait(false), and its
    /// continuation went to the thread pool, finished the message there and posted the app back, a wake per message.
    /// Any thread will do for such code, and the reactor is the one the inline app runs on. A wait begun off the
    /// reactor (the thread pool schedule) keeps the awaiter's choice.
    /// </summary>
    private ValueTaskSourceOnCompletedFlags ComeHomeWhenInline(ValueTaskSourceOnCompletedFlags flags) =>
        _reactor.IsOnReactorThread ? flags | ValueTaskSourceOnCompletedFlags.UseSchedulingContext : flags;
}
