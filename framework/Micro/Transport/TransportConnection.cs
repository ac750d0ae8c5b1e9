using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// One accepted socket, owned by one reactor for life: every member is used on that reactor's thread only. Holds a
/// pooled input block only while a partial request waits for more bytes, and output blocks only while there is
/// something unsent.
/// </summary>
internal sealed partial class TransportConnection : IConnectionTransport
{
    private readonly Reactor _reactor;
    private byte[]? _input;
    private int _inputLength;
    private bool _readPaused;
    private bool _pausedForOutput;
    private bool _closeAfterFlush;
    private bool _redeliverQueued;
    private bool _corked;             // a delivery is under way: flushes wait for its end
    private bool _flushWanted;        // one was asked for meanwhile
    private bool _drainRequested;
    private readonly PeerAddress _peer;

    public TransportConnection(Reactor reactor, int fd, int slot, uint generation, PeerAddress peer)
    {
        _reactor = reactor;
        Fd = fd;
        Slot = slot;
        Generation = generation;
        _peer = peer;
        Output = new OutputBuffer(reactor.Pool);
    }

    public int Fd { get; }

    public int Slot { get; }
    public uint Generation { get; } // with Slot, the token epoll hands back: a reused slot is told from its last connection
    public Reactor Reactor => _reactor;

    public IConnectionProtocol? Protocol { get; set; }

    /// <summary>Where responses are written; sent by <see cref="Flush"/>.</summary>
    public OutputBuffer Output { get; }

    public bool IsClosed { get; private set; }

    /// <summary>True once the peer has closed its sending side.</summary>
    public bool InputEnded { get; private set; }

    /// <summary>True while bytes of an unfinished request are kept.</summary>
    public bool HasBufferedInput => _inputLength > 0;

    internal ulong Token => ((ulong)Generation << 32) | (uint)Slot;

    /// <summary>
    /// Sends what is in <see cref="Output"/>; waits for EPOLLOUT when the socket is full and stops reading past the
    /// high-water mark. During a delivery it is corked, as uWebSockets corks a socket around a read: the protocol writes
    /// as much as it likes and the bytes leave in one send once it returns, and the backpressure and drain notices that
    /// follow a send never reach the protocol inside its own <see cref="IConnectionProtocol.OnReceived"/>.
    /// </summary>
    public void Flush()
    {
        if (_corked)
        {
            _flushWanted = true;
            return;
        }
        Send();
    }

    /// <summary>
    /// As <see cref="Flush"/>, but while the reactor runs queued work the send waits for the batch's end, so answers
    /// completed together (a pipeline's, finished off the reactor) leave together.
    /// </summary>
    public void FlushSoon()
    {
        if (_reactor.IsRunningQueuedWork && !_corked)
        {
            if (!_flushWanted)
            {
                _flushWanted = true;
                _reactor.SendAfterQueuedWork(this);
            }
            return;
        }
        Flush();
    }

    /// <summary>The end of the reactor's batch of queued work: what was flushed during it is sent now.</summary>
    public void SendDeferred()
    {
        if (_flushWanted && !IsClosed && !_corked)
        {
            _flushWanted = false;
            Send();
        }
    }

    private void ApplyBackpressure()
    {
        var pending = Output.Length;
        if (!_pausedForOutput && pending > _reactor.Options.OutputHighWaterMark)
        {
            _pausedForOutput = true;
            UpdateInterest();
            _reactor.OnOutputPaused(pending);
        }
        else if (_pausedForOutput && pending <= _reactor.Options.OutputLowWaterMark)
        {
            _pausedForOutput = false;
            _drainRequested = false;
            UpdateInterest();
            QueueRedelivery();
            Protocol?.OnOutputDrained();
        }
        else if (_drainRequested && pending <= _reactor.Options.OutputLowWaterMark)
        {
            // Asked for even when reading never paused: output can pass the mark and drain within one flush.
            _drainRequested = false;
            Protocol?.OnOutputDrained();
        }
    }

    /// <summary>
    /// Asks for <see cref="IConnectionProtocol.OnOutputDrained"/> once the output is at or below the low-water mark,
    /// whether or not reading was paused meanwhile (a producer waiting for room must always be woken).
    /// </summary>
    public void NotifyWhenDrained() => _drainRequested = true;

    /// <summary>Whether the output is over the high-water mark, so the protocol should stop producing.</summary>
    public bool IsOutputFull => Output.Length > _reactor.Options.OutputHighWaterMark;

    /// <summary>Stops reading from the socket (the protocol has work it must finish first).</summary>
    public void PauseReading()
    {
        if (!_readPaused)
        {
            _readPaused = true;
            UpdateInterest();
        }
    }

    /// <summary>Resumes reading; bytes kept from before are handed to the protocol again first.</summary>
    public void ResumeReading()
    {
        if (!_readPaused || IsClosed)
        {
            return;
        }
        _readPaused = false;
        UpdateInterest();
        QueueRedelivery();
    }

    /// <summary>
    /// Bytes kept while reading was paused are handed to the protocol again, on the next turn of the loop. During a
    /// delivery there is nothing to queue: what the protocol leaves is handed back when it returns (<see cref="Deliver"/>).
    /// </summary>
    private void QueueRedelivery()
    {
        if (_corked)
        {
            return;
        }
        if (_inputLength > 0 && !_redeliverQueued)
        {
            _redeliverQueued = true;
            _reactor.PostLocal(static state => ((TransportConnection)state!).Redeliver(), this);
        }
    }

    /// <summary>
    /// Hands the connection to another protocol (after an HTTP upgrade, a WebSocket handshake): it reads, and the bytes
    /// kept so far (those that followed the upgrade request) go to it first.
    /// </summary>
    public void SwitchProtocol(IConnectionProtocol next)
    {
        Protocol = next;
        _readPaused = false;
        UpdateInterest();
        QueueRedelivery();
    }

    /// <summary>Reading ends for good (a lingering close drops whatever comes): what was kept and every reading state goes.</summary>
    private void StopReadingForGood()
    {
        ReleaseInput();
        _redeliverQueued = false;
        _readPaused = false;
        _pausedForOutput = false;
    }

    /// <summary>Closes once everything written so far has been sent.</summary>
    public void CloseAfterFlush()
    {
        _closeAfterFlush = true;
        PauseReading();
        Flush();
    }

    /// <summary>Closes now, dropping unsent output.</summary>
    public void Close()
    {
        if (IsClosed)
        {
            return;
        }
        IsClosed = true;
        EpollEvents.Control(_reactor.Epoll, Libc.EPOLL_CTL_DEL, Fd, 0, 0);
        Libc.Close(Fd);
        ReleaseInput();
        Output.Release();
        _reactor.Remove(this);
        Protocol?.OnClosed();
        Protocol = null;
    }

    internal void OnReadable()
    {
        if (IsLingering)
        {
            DiscardWhileLingering();
            return;
        }
        if (_readPaused || IsClosed)
        {
            return;
        }
        if (_redeliverQueued)
        {
            // Bytes kept from before go first: read now, a FIN that followed them would end the input while
            // complete requests still sat unparsed in the buffer, and a half-closing client would lose answers.
            Redeliver();
            if (_readPaused || _pausedForOutput || IsClosed)
            {
                return;
            }
        }
        byte[] target;
        int offset;
        if (_inputLength > 0)
        {
            if (_inputLength == _input!.Length)
            {
                Grow();
            }
            target = _input!;
            offset = _inputLength;
        }
        else
        {
            target = _reactor.Scratch;
            offset = 0;
        }
        var read = ReadSocket(target, offset);
        if (read < 0)
        {
            var errno = (int)-read;
            if (errno != Libc.EAGAIN)
            {
                _reactor.Log.PeerGone(Fd, errno);
                CloseForSocketError(errno);
            }
            return;
        }
        if (read == 0)
        {
            InputEnded = true;
            PauseReading();
            Protocol?.OnInputEnded();
            return;
        }
        Deliver(target, offset + (int)read);
    }

    /// <summary>One read(2) into <paramref name="target"/> from <paramref name="offset"/>, again when a signal interrupted it: the count, 0 at the end of input, or -errno.</summary>
    private unsafe nint ReadSocket(byte[] target, int offset)
    {
        nint read;
        do
        {
            read = Libc.Read(Fd, (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(target)) + offset, (nuint)(target.Length - offset));
        }
        while (read < 0 && Errno.Last == Libc.EINTR);
        return read < 0 ? -Errno.Last : read;
    }

    private void Redeliver()
    {
        if (!_redeliverQueued)
        {
            return; // already done, by a read that came first
        }
        _redeliverQueued = false;
        if (!_readPaused && !_pausedForOutput && !IsClosed && _inputLength > 0)
        {
            Deliver(_input!, _inputLength);
        }
    }

    /// <summary>
    /// Hands what was read to the protocol, corked: it consumes what it can and writes its answers, the transport
    /// keeps the rest, then sends once. While the protocol makes progress, reading is allowed and the output has room
    /// again after the send, the kept bytes are handed back at once (a pipeline whose answers filled the output goes
    /// on as soon as the socket took them).
    /// </summary>
    private void Deliver(byte[] buffer, int length)
    {
        while (true)
        {
            int consumed;
            _corked = true;
            try
            {
                consumed = Protocol!.OnReceived(buffer, length);
            }
            finally
            {
                _corked = false;
            }
            if (IsClosed)
            {
                return;
            }
            StoreLeftover(buffer, length, consumed);
            var held = Output.Length;
            if (_flushWanted)
            {
                _flushWanted = false;
                Send();
                if (IsClosed)
                {
                    return;
                }
            }
            var roomMade = Output.Length < held;
            if (_inputLength == 0 || _readPaused || _pausedForOutput || IsOutputFull || (consumed == 0 && !roomMade))
            {
                return; // all taken, reading held back, or the protocol waits for more than there is
            }
            (buffer, length) = (_input!, _inputLength);
        }
    }

    /// <summary>Keeps what the protocol did not consume, in the connection's own block, for the next delivery.</summary>
    private void StoreLeftover(byte[] buffer, int length, int consumed)
    {
        var remaining = length - consumed;
        if (remaining == 0)
        {
            ReleaseInput();
        }
        else if (buffer == _input)
        {
            if (consumed > 0)
            {
                buffer.AsSpan(consumed, remaining).CopyTo(buffer);
            }
            _inputLength = remaining;
        }
        else
        {
            _input = _reactor.Pool.Rent(remaining);
            buffer.AsSpan(consumed, remaining).CopyTo(_input);
            _inputLength = remaining;
        }
    }

    /// <summary>A request larger than a block (long headers) gets a bigger buffer, up to the reactor's limit.</summary>
    private void Grow()
    {
        var size = _input!.Length * 2;
        if (size > _reactor.Options.MaxInputBufferSize)
        {
            // The protocol's own limits refuse a request before this; reaching it means the protocol kept bytes it should not have.
            throw new InvalidOperationException($"connection {Fd} kept more than {_reactor.Options.MaxInputBufferSize} unconsumed bytes");
        }
        var bigger = GC.AllocateUninitializedArray<byte>(size, pinned: true);
        _input.AsSpan(0, _inputLength).CopyTo(bigger);
        _reactor.Pool.Return(_input);
        _input = bigger;
    }

    private void ReleaseInput()
    {
        if (_input is not null)
        {
            _reactor.Pool.Return(_input);
            _input = null;
        }
        _inputLength = 0;
    }
}
