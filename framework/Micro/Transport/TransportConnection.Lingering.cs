using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// The lingering close (RFC 9112 section 9.6): a connection the server ends is half-closed first, and what the client
/// still sends is read and dropped until it closes too, or for <see cref="TransportOptions.LingerTimeout"/> at most.
/// Closing with unread bytes, or bytes still on their way (requests pipelined behind the last one answered, the rest of
/// a refused upload, a request sent on an idle connection as it was closed), makes the kernel answer with a reset, and
/// a client that receives a reset drops the responses it has not read yet, the last one, which says why, included.
/// </summary>
internal sealed partial class TransportConnection
{
    private long _lingerUntil;

    /// <summary>True once the server has sent its last byte and half-closed, while it waits for the client to close.</summary>
    public bool IsLingering { get; private set; }

    private void CloseGracefully()
    {
        if (InputEnded || _reactor.Options.LingerTimeout <= TimeSpan.Zero || Libc.Shutdown(Fd, Libc.SHUT_WR) < 0)
        {
            Close(); // the client has closed its side (nothing more can come), or the socket is gone already
            return;
        }
        IsLingering = true;
        _lingerUntil = _reactor.Clock() + (long)_reactor.Options.LingerTimeout.TotalMilliseconds;
        StopReadingForGood();
        ForgetWriteInterest();
        UpdateInterest(); // reading only, to drop what still comes
    }

    /// <summary>Reads and drops one buffer of what arrived (epoll calls again while more waits); the client's close, or an error, ends the connection.</summary>
    private void DiscardWhileLingering()
    {
        var read = ReadSocket(_reactor.Scratch, 0);
        if (read == 0 || (read < 0 && read != -Libc.EAGAIN))
        {
            Close();
        }
    }

    /// <summary>Called every tick while lingering: a client that neither closes nor stops sending is cut off at the deadline.</summary>
    internal void CheckLinger(long now)
    {
        if (now >= _lingerUntil)
        {
            Close();
        }
    }
}
