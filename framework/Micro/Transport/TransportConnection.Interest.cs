using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>What the connection asks epoll for: reading unless paused, writing while output waits, and while paused, the peer's shutdown.</summary>
internal sealed partial class TransportConnection
{
    private bool _writeInterest; // output waits for the socket: EPOLLOUT is asked for
    private bool _peerShutSeen;  // EPOLLRDHUP came while reading was paused: asked for no more

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
