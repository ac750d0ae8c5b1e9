using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// The sending side, and what the connection asks epoll for: bytes leave Output in one sendmsg (or sendfile) per
/// flush; while the socket refuses them EPOLLOUT is asked for and the connection keeps the clock of the minimum data
/// rate; reading is asked for unless paused, and while paused, the peer's shutdown. What it owns: how much the kernel
/// has taken, ever, since when writing has been blocked, and the interest beyond reading.
/// </summary>
internal sealed partial class TransportConnection
{
    private long _writeBlockedSince;
    private long _written;            // every byte the kernel has taken from Output, ever
    private long _rateWindowStart;    // while blocked: when the current period of the minimum data rate began
    private long _acknowledgedAtWindow; // and what the peer had acknowledged then
    private bool _writeInterest; // output waits for the socket: EPOLLOUT is asked for
    private bool _peerShutSeen;  // EPOLLRDHUP came while reading was paused: asked for no more

    internal void OnWritable() => Flush();

    private void Send()
    {
        if (IsClosed)
        {
            return;
        }
        var before = Output.Length;
        var errno = Output.WriteTo(Fd);
        _written += before - Output.Length;
        if (errno == 0)
        {
            _writeBlockedSince = 0;
            SetWriteInterest(false);
            if (_closeAfterFlush)
            {
                CloseGracefully();
                return;
            }
        }
        else if (errno == Libc.EAGAIN)
        {
            if (_writeBlockedSince == 0)
            {
                // The client stopped taking bytes as fast as we make them: its clock for the minimum data rate starts.
                _writeBlockedSince = _rateWindowStart = _reactor.Now;
                _acknowledgedAtWindow = Acknowledged() ?? _written;
            }
            SetWriteInterest(true);
        }
        else
        {
            // EPIPE, ECONNRESET and the like: the peer is gone, nothing more can be delivered.
            _reactor.Log.PeerGone(Fd, errno);
            CloseForSocketError(errno);
            return;
        }
        ApplyBackpressure();
    }

    /// <summary>
    /// The socket hung up while reading was paused (no read will tell why): with <paramref name="error"/>, the error
    /// the kernel keeps for it ends it (a reset, most often); without, both sides are shut and it just closes.
    /// </summary>
    internal unsafe void OnHangUp(bool error)
    {
        int errno = 0;
        var length = (uint)sizeof(int);
        if (error && Libc.GetSockOpt(Fd, Libc.SOL_SOCKET, Libc.SO_ERROR, &errno, &length) == 0 && errno != 0)
        {
            CloseForSocketError(errno);
            return;
        }
        Close();
    }

    /// <summary>The socket failed with <paramref name="errno"/>: the peer reset it, or another error ended it.</summary>
    private void CloseForSocketError(int errno)
    {
        NoteEnd(errno is Libc.ECONNRESET or Libc.EPIPE ? ConnectionError.ConnectionReset : ConnectionError.IOError);
        Close();
    }

    /// <summary>When the socket last refused bytes while output was pending (the reactor's clock), or 0 when it is not blocked.</summary>
    public long WriteBlockedSince => _writeBlockedSince;

    /// <summary>
    /// The minimum response data rate, measured from what the peer has acknowledged while writing is blocked (the
    /// kernel's count, tcp(7) SIOCOUTQ: bytes sent and not yet acknowledged, or not yet sent), over successive periods
    /// as long as the grace period: in each, the peer must have taken the rate's worth. Periods, not an average since
    /// the block began: the peer's kernel goes on taking what fits in its receive buffer after the block, and that
    /// burst would otherwise pay for minutes of reading nothing. Crediting only the bytes a send took, as before, cut
    /// honest slow readers off: with the send buffer autotuned to megabytes, epoll reports the socket writable only
    /// once a third of it has drained, at 70-100 KiB/s longer than the grace period. The kernel is asked only at the
    /// end of a period (an ioctl, at a tick).
    /// </summary>
    public bool ReadsSlowerThan(DataRate rate, long now)
    {
        var elapsed = now - _rateWindowStart;
        if (_writeBlockedSince == 0 || !rate.Applies(elapsed) || Acknowledged() is not { } acknowledged)
        {
            return false;
        }
        if (rate.IsTooSlow(acknowledged - _acknowledgedAtWindow, elapsed))
        {
            return true;
        }
        (_rateWindowStart, _acknowledgedAtWindow) = (now, acknowledged); // this period passed: the next begins
        return false;
    }

    /// <summary>Bytes of ours the peer has acknowledged, ever; null when the kernel cannot say.</summary>
    private unsafe long? Acknowledged()
    {
        int queued;
        return Libc.Ioctl(Fd, Libc.SIOCOUTQ, &queued) == 0 ? _written - queued : null;
    }

    private void SetWriteInterest(bool wanted)
    {
        if (_writeInterest != wanted)
        {
            _writeInterest = wanted;
            UpdateInterest();
        }
    }

    /// <summary>Nothing more will be sent: EPOLLOUT is not wanted (applied at the next <see cref="UpdateInterest"/>).</summary>
    private void ForgetWriteInterest() => _writeInterest = false;

    private void UpdateInterest()
    {
        if (IsClosed)
        {
            return;
        }
        // Level-triggered. While reading is paused, EPOLLRDHUP tells that the peer has shut its side (EPOLLHUP and
        // EPOLLERR come regardless); once seen it is asked for no more, or it would fire on every wait.
        var events = 0u;
        if (!_readPaused && !_pausedForOutput && !InputEnded)
        {
            events |= Libc.EPOLLIN;
        }
        else if (!InputEnded && !_peerShutSeen)
        {
            events |= Libc.EPOLLRDHUP;
        }
        if (_writeInterest)
        {
            events |= Libc.EPOLLOUT;
        }
        EpollEvents.Control(_reactor.Epoll, Libc.EPOLL_CTL_MOD, Fd, events, Token);
    }

    /// <summary>EPOLLRDHUP while reading is paused: the peer has shut its sending side; the protocol decides what that means.</summary>
    internal void OnPeerShutWhilePaused()
    {
        if (_peerShutSeen || IsClosed)
        {
            return;
        }
        _peerShutSeen = true;
        UpdateInterest();
        Protocol?.OnPeerShutWhilePaused();
    }
}
