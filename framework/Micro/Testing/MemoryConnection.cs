using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Micro.Transport;

namespace Micro.Testing;

/// <summary>
/// A connection with no socket: the client's bytes arrive through <see cref="Receive"/>, the server's leave through a
/// bounded pipe the client reads. It behaves as <see cref="TransportConnection"/> does where a protocol can tell:
/// bytes not consumed are kept and handed back with more, reading pauses and resumes, output past the high-water
/// mark (the client not reading) holds the producer back, and a client that goes away closes the connection.
/// </summary>
internal sealed class MemoryConnection : IConnectionTransport
{
    private const int HighWaterMark = 64 * 1024;
    private const int LowWaterMark = 16 * 1024;
    private readonly Reactor _reactor;
    private readonly Action<MemoryConnection> _onClosed;
    private readonly Pipe _toClient = new(new PipeOptions(pauseWriterThreshold: HighWaterMark, resumeWriterThreshold: LowWaterMark, useSynchronizationContext: false));
    private readonly Queue<(byte[] Bytes, TaskCompletionSource Taken)> _arriving = new();
    private byte[] _input = [];
    private int _inputLength;
    private bool _readPaused;
    private bool _delivering;
    private bool _deliverAgain;
    private bool _flushPending;
    private bool _closeAfterFlush;
    private bool _drainRequested;

    public MemoryConnection(Reactor reactor, Action<MemoryConnection> onClosed)
    {
        _reactor = reactor;
        _onClosed = onClosed;
        Output = new OutputBuffer(reactor.Pool);
    }

    public IConnectionProtocol? Protocol { get; set; }

    /// <summary>What the client reads.</summary>
    public PipeReader ToClient => _toClient.Reader;

    public IPEndPoint? RemoteEndPoint { get; } = new(IPAddress.Loopback, 0);

    public OutputBuffer Output { get; }

    public bool IsClosed { get; private set; }

    public bool InputEnded { get; private set; }

    public bool HasBufferedInput => _inputLength > 0;

    public bool IsOutputFull => Output.Length > HighWaterMark;

    // A test's client is the test's own code: it is never timed out for reading slowly.
    public bool ReadsSlowerThan(DataRate rate, long now) => false;

    /// <summary>Bytes from the client (called on the reactor). <paramref name="taken"/> completes once the server reads them: the client's backpressure.</summary>
    public void Receive(byte[] bytes, TaskCompletionSource taken)
    {
        if (IsClosed || InputEnded)
        {
            taken.TrySetException(new IOException("The server closed the connection."));
            return;
        }
        _arriving.Enqueue((bytes, taken));
        Deliver();
    }

    /// <summary>The client finished sending: as a FIN, the requests sent are still answered.</summary>
    public void EndInput()
    {
        if (IsClosed || InputEnded)
        {
            return;
        }
        InputEnded = true;
        Deliver();
        Contain(static connection => connection.Protocol?.OnInputEnded());
    }

    public void Flush()
    {
        if (IsClosed || _flushPending)
        {
            return;
        }
        if (!Output.IsEmpty)
        {
            Output.DrainTo(_toClient.Writer);
            var flush = _toClient.Writer.FlushAsync();
            if (!flush.IsCompleted)
            {
                _flushPending = true;
                _ = AfterFlushAsync(flush);
                return;
            }
            if (flush.Result.IsCompleted)
            {
                Close(); // the client stopped reading for good: its connection is gone
                return;
            }
        }
        if (_closeAfterFlush)
        {
            Close();
            return;
        }
        if (_drainRequested && Output.Length <= LowWaterMark)
        {
            _drainRequested = false;
            Contain(static connection => connection.Protocol?.OnOutputDrained());
        }
    }

    private async Task AfterFlushAsync(ValueTask<FlushResult> flush)
    {
        var result = await flush.ConfigureAwait(false);
        _reactor.Post(static state =>
        {
            var (connection, readerGone) = ((MemoryConnection, bool))state!;
            connection._flushPending = false;
            if (readerGone)
            {
                connection.Close();
                return;
            }
            connection.Flush();
            connection.Deliver();
        }, (this, result.IsCompleted));
    }

    public void NotifyWhenDrained() => _drainRequested = true;

    public void PauseReading() => _readPaused = true;

    public void ResumeReading()
    {
        if (!_readPaused || IsClosed)
        {
            return;
        }
        _readPaused = false;
        // As the socket transport: what was kept is handed back on the next turn of the loop, not inside the caller.
        _reactor.PostLocal(static state => ((MemoryConnection)state!).Deliver(), this);
    }

    public void SwitchProtocol(IConnectionProtocol next)
    {
        Protocol = next;
        _readPaused = false;
        _reactor.PostLocal(static state => ((MemoryConnection)state!).Deliver(), this);
    }

    public void CloseAfterFlush()
    {
        _closeAfterFlush = true;
        PauseReading();
        Flush();
    }

    public void Close()
    {
        if (IsClosed)
        {
            return;
        }
        IsClosed = true;
        Output.Release();
        if (_input.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_input);
            _input = [];
        }
        _inputLength = 0;
        while (_arriving.TryDequeue(out var arriving))
        {
            arriving.Taken.TrySetException(new IOException("The server closed the connection."));
        }
        _toClient.Writer.Complete();
        Contain(static connection => connection.Protocol?.OnClosed());
        Protocol = null;
        _onClosed(this);
    }

    public void OnTick(long now) => Contain(connection => connection.Protocol?.OnTick(now));

    /// <summary>
    /// Takes in what arrived (up to <see cref="MaxKeptInput"/>, as a socket's buffers would hold) and, unless reading
    /// is paused, hands the protocol everything it has not consumed: once per arrival or resumption, as a socket would.
    /// </summary>
    private void Deliver()
    {
        if (_delivering)
        {
            _deliverAgain = true;
            return;
        }
        _delivering = true;
        try
        {
            do
            {
                _deliverAgain = false;
                var took = TakeArrived();
                if (_readPaused || IsClosed || _closeAfterFlush || _inputLength == 0)
                {
                    break;
                }
                var consumed = 0;
                Contain(connection => consumed = connection.Protocol?.OnReceived(connection._input, connection._inputLength) ?? 0);
                if (IsClosed)
                {
                    return;
                }
                _input.AsSpan(consumed, _inputLength - consumed).CopyTo(_input);
                _inputLength -= consumed;
                if (consumed == 0 && !took)
                {
                    break; // the protocol waits for more than there is
                }
            }
            while (_deliverAgain || (_arriving.Count > 0 && !_readPaused));
        }
        finally
        {
            _delivering = false;
        }
    }

    /// <summary>Bytes kept for the server before the client's writes wait: about what a socket's buffers hold.</summary>
    private const int MaxKeptInput = 1024 * 1024;

    /// <summary>Appends the chunks that arrived to the input, as far as there is room.</summary>
    private bool TakeArrived()
    {
        var took = false;
        while (_arriving.TryPeek(out var arriving) && (_inputLength == 0 || _inputLength + arriving.Bytes.Length <= MaxKeptInput))
        {
            _arriving.Dequeue();
            var needed = _inputLength + arriving.Bytes.Length;
            if (needed > _input.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
                _input.AsSpan(0, _inputLength).CopyTo(bigger);
                if (_input.Length > 0)
                {
                    ArrayPool<byte>.Shared.Return(_input);
                }
                _input = bigger;
            }
            arriving.Bytes.CopyTo(_input.AsSpan(_inputLength));
            _inputLength += arriving.Bytes.Length;
            arriving.Taken.TrySetResult();
            took = true;
        }
        return took;
    }

    /// <summary>As the reactor does for sockets: an exception in the protocol ends this connection, never the loop.</summary>
    private void Contain(Action<MemoryConnection> call)
    {
        try
        {
            call(this);
        }
        catch (Exception exception)
        {
            _reactor.Log.ConnectionFailed(_reactor.Index, -1, exception);
            Close();
        }
    }
}
