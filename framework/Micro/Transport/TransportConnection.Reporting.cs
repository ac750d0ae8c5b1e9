using System.Net;

namespace Micro.Transport;

/// <summary>
/// What those who report on the connection read of it: its two addresses (the client's, kept from accept, and the one
/// it connected to, asked of the kernel), when it was accepted, what the host's observer counted it under, and why it
/// ended when that was an error.
/// </summary>
internal sealed partial class TransportConnection
{
    private IPEndPoint? _remoteEndPoint;
    private bool _countedActive; // in the server's open connections: decided at accept, so its close leaves what it joined
    private ConnectionError _endedBy;

    /// <summary>When the connection was accepted (a Stopwatch timestamp), for its duration metric.</summary>
    public long OpenedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>What the host's connection observer counted this connection under (<see cref="IConnectionObserver.Opened"/>).</summary>
    public object? Observation { get; private set; }

    /// <summary>Accepted: counted in the server's metrics and told to the host's observer, if any.</summary>
    public void ReportOpened(IConnectionObserver? observer)
    {
        _countedActive = ServerMetrics.Opened();
        if (observer is not null)
        {
            Observation = observer.Opened(this);
        }
    }

    /// <summary>Why the connection ended, when that was an error (<see cref="ConnectionError.None"/> until one is noted).</summary>
    public ConnectionError EndedBy => _endedBy;

    /// <summary>An error is ending the connection. The first one noted is kept: the cause, not what followed from it.</summary>
    public void NoteEnd(ConnectionError error)
    {
        if (_endedBy == ConnectionError.None)
        {
            _endedBy = error;
        }
    }

    /// <summary>Closed: leaves what <see cref="ReportOpened"/> counted.</summary>
    public void ReportClosed(IConnectionObserver? observer)
    {
        ServerMetrics.Closed(OpenedAt, _countedActive, _endedBy);
        observer?.Closed(this, Observation);
    }

    /// <summary>
    /// The client's address, built when first asked for (most requests never ask) and kept for the connection's
    /// other requests: middleware that looks at it on every request (forwarded headers, per-client limits) pays once.
    /// </summary>
    public IPEndPoint RemoteEndPoint => _remoteEndPoint ??= _peer.ToEndPoint();

    /// <summary>The address the client connected to, from getsockname when first asked for (null once closed).</summary>
    public IPEndPoint? LocalEndPoint => IsClosed ? null : LocalEndPointOf(Fd);

    /// <summary>The local address of the connected socket <paramref name="fd"/>; null for one without a network address.</summary>
    public static unsafe IPEndPoint? LocalEndPointOf(int fd)
    {
        var name = stackalloc byte[Interop.SocketAddresses.MaxLength];
        var length = (uint)Interop.SocketAddresses.MaxLength;
        // A socketpair (the in-memory test host) has no network address.
        return Interop.Libc.GetSockName(fd, name, &length) == 0 && *(ushort*)name is Interop.Libc.AF_INET or Interop.Libc.AF_INET6
            ? PeerAddress.Read(new ReadOnlySpan<byte>(name, (int)length)).ToEndPoint()
            : null;
    }
}
