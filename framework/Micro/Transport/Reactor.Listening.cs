using System.Net;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>A reactor's listening sockets and how it accepts: binding (exclusive, or shared on purpose), the connection cap, EMFILE back-off.</summary>
internal sealed unsafe partial class Reactor
{
    private uint _generation;       // of the connection slots: an event for a slot reused since is ignored
    private bool _listenersPaused;  // accepting paused for a second after running out of descriptors
    private long _resumeAcceptAt;
    private int _handovers;         // connections handed to this reactor and not yet registered; -1 once it has stopped taking them
    private AcceptGroup? _acceptGroup;

    /// <summary>
    /// Binds a listening socket for <paramref name="endPoint"/> and returns it, with the address it got in
    /// <paramref name="bound"/>; reactors then wait on duplicates of it (<see cref="Adopt"/>). Without
    /// <paramref name="sharePort"/> the socket never has SO_REUSEPORT, so nothing else can bind the port while it
    /// listens (EADDRINUSE, as Kestrel): the option on our socket would let any process of the same user join the group
    /// and take a share of the connections. With it, the socket joins sockets already listening there that opted in
    /// too (another instance during a hand-over): the kernel checks the option, on every member, at bind time.
    /// </summary>
    public static int Bind(IPEndPoint endPoint, bool sharePort, int backlog, out IPEndPoint bound)
    {
        var ipv6 = endPoint.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        var fd = Errno.ThrowIfFailed(Libc.Socket(ipv6 ? Libc.AF_INET6 : Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC, 0), "socket");
        try
        {
            // SO_REUSEADDR lets a restarted server bind past connections in TIME_WAIT; it never joins a listener.
            SetOption(fd, Libc.SOL_SOCKET, Libc.SO_REUSEADDR, 1);
            if (sharePort)
            {
                SetOption(fd, Libc.SOL_SOCKET, Libc.SO_REUSEPORT, 1);
            }
            if (ipv6 && endPoint.Address.Equals(IPAddress.IPv6Any))
            {
                SetOption(fd, Libc.IPPROTO_IPV6, Libc.IPV6_V6ONLY, 0);
            }
            var address = stackalloc byte[SocketAddresses.MaxLength];
            var length = SocketAddresses.Write(endPoint, new Span<byte>(address, SocketAddresses.MaxLength));
            if (Libc.Bind(fd, address, (uint)length) < 0)
            {
                var errno = Errno.Last;
                if (errno == Libc.EADDRINUSE)
                {
                    throw new IOException(sharePort
                        ? $"Address already in use: {endPoint}. Something listens there that does not share the port (SharePort, SO_REUSEPORT, same user)."
                        : $"Address already in use: {endPoint}. Another process listens there; stop it, choose another port, or start both with MicroServerOptions.SharePort (--share-port) to share the port on purpose.",
                        errno);
                }
                Errno.ThrowIfFailed(-1, $"bind({endPoint})");
            }
            Errno.ThrowIfFailed(Libc.Listen(fd, backlog), "listen");
            var name = stackalloc byte[SocketAddresses.MaxLength];
            var nameLength = (uint)SocketAddresses.MaxLength;
            Errno.ThrowIfFailed(Libc.GetSockName(fd, name, &nameLength), "getsockname");
            bound = PeerAddress.Read(new ReadOnlySpan<byte>(name, (int)nameLength)).ToEndPoint();
            return fd;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Listens on a socket bound elsewhere (by <see cref="Bind"/>, or by systemd and handed over): this reactor takes
    /// its own duplicate, so each closes its own, and waits on it with EPOLLEXCLUSIVE, so one reactor is woken per
    /// connection when several share the socket.
    /// </summary>
    public IPEndPoint Adopt(int inheritedFd)
    {
        CheckListening(inheritedFd);
        var fd = Errno.ThrowIfFailed(Libc.Fcntl(inheritedFd, Libc.F_DUPFD_CLOEXEC, 3), "fcntl(F_DUPFD_CLOEXEC)");
        try
        {
            var flags = Errno.ThrowIfFailed(Libc.Fcntl(fd, Libc.F_GETFL, 0), "fcntl(F_GETFL)");
            Errno.ThrowIfFailed(Libc.Fcntl(fd, Libc.F_SETFL, flags | Libc.O_NONBLOCK), "fcntl(F_SETFL)");
            var bound = stackalloc byte[SocketAddresses.MaxLength];
            var boundLength = (uint)SocketAddresses.MaxLength;
            Errno.ThrowIfFailed(Libc.GetSockName(fd, bound, &boundLength), "getsockname(inherited socket)");
            var endPoint = PeerAddress.Read(new ReadOnlySpan<byte>(bound, (int)boundLength)).ToEndPoint();
            Errno.ThrowIfFailed(EpollEvents.Control(Epoll, Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN | Libc.EPOLLEXCLUSIVE, ListenerTokenBase + (ulong)_listeners.Count), "epoll_ctl(inherited listener)");
            _listeners.Add(fd);
            return endPoint;
        }
        catch
        {
            Libc.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Refuses a descriptor that is not a listening TCP socket: a UDP socket, a connected one (what systemd passes with
    /// Accept=yes) or a Unix socket. Served anyway, every accept4 on it fails at once and epoll reports it
    /// ready again: a core spun at about 36,000 failed accepts a second.
    /// </summary>
    private static void CheckListening(int fd)
    {
        int Option(int name, string what)
        {
            int value;
            var length = (uint)sizeof(int);
            if (Libc.GetSockOpt(fd, Libc.SOL_SOCKET, name, &value, &length) < 0)
            {
                throw new InvalidOperationException($"Descriptor {fd}, handed over by systemd socket activation, is not a socket ({what}: errno {Errno.Last}). Micro serves ListenStream= sockets of a .socket unit.");
            }
            return value;
        }
        var domain = Option(Libc.SO_DOMAIN, "SO_DOMAIN");
        var type = Option(Libc.SO_TYPE, "SO_TYPE");
        var listening = Option(Libc.SO_ACCEPTCONN, "SO_ACCEPTCONN");
        if (domain is not (Libc.AF_INET or Libc.AF_INET6) || type != Libc.SOCK_STREAM || listening != 1)
        {
            var kind = domain switch { Libc.AF_INET => "IPv4", Libc.AF_INET6 => "IPv6", 1 => "Unix", _ => $"family {domain}" };
            var shape = type == Libc.SOCK_STREAM ? (listening == 1 ? "stream" : "connected (not listening) stream") : type == 2 ? "datagram (UDP)" : $"type {type}";
            throw new InvalidOperationException(
                $"Descriptor {fd}, handed over by systemd socket activation, is a {kind} {shape} socket; Micro serves listening TCP sockets only: " +
                "ListenStream= with an address and port in the .socket unit, and Accept=no (the default).");
        }
    }

    private void Accept(int listener)
    {
        var address = stackalloc byte[SocketAddresses.MaxLength];
        while (!_stopping)
        {
            var length = (uint)SocketAddresses.MaxLength;
            var fd = Libc.Accept4(listener, address, &length, Libc.SOCK_NONBLOCK | Libc.SOCK_CLOEXEC);
            if (fd < 0)
            {
                var errno = Errno.Last;
                if (errno is Libc.EMFILE or Libc.ENFILE or Libc.ENOBUFS or Libc.ENOMEM)
                {
                    // Keep serving who we have; try accepting again at the next tick instead of spinning on a full table.
                    Log.AcceptBackoff(Index, errno);
                    PauseListeners();
                    return;
                }
                if (errno is Libc.EINTR or Libc.ECONNABORTED)
                {
                    continue;
                }
                if (errno != Libc.EAGAIN)
                {
                    // Not "nothing waiting": the socket itself is failing (EINVAL, ENOTSOCK, EBADF, a protocol error),
                    // and epoll would report it ready again at once. Say so, and try again at the next tick, not in a spin.
                    Log.AcceptFailed(Index, errno);
                    PauseListeners();
                }
                return; // EAGAIN: the backlog is empty
            }
            if (!_counter.TryAcquire())
            {
                Log.ConnectionLimit(Index, Options.MaxConnections ?? 0);
                ServerMetrics.RejectedConnections.Add(1);
                Options.Observer?.Rejected(fd);
                Libc.Close(fd);
                continue;
            }
            SetOption(fd, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, 1);
            var remote = PeerAddress.Read(new ReadOnlySpan<byte>(address, (int)length));
            if (_acceptGroup is { } group && group.Next() is var target && target != this && target.TryHandOver(fd, remote))
            {
                continue;
            }
            Register(fd, remote);
        }
    }

    /// <summary>
    /// Takes a connection accepted on this reactor's listening socket, or handed over by another reactor. One that
    /// arrives while this reactor stops is still served (its client connected before the stop): it gets what every
    /// connection gets at a stop (OnStopping).
    /// </summary>
    private void Register(int fd, PeerAddress remote)
    {
        var slot = _freeSlots.Count > 0 ? _freeSlots.Pop() : AddSlot();
        var connection = new TransportConnection(this, fd, slot, ++_generation, remote);
        _connections[slot] = connection;
        ConnectionCount++;
        Interlocked.Increment(ref _accepted);
        connection.ReportOpened(Options.Observer);
        try
        {
            connection.Protocol = _protocolFactory(connection);
            Errno.ThrowIfFailed(EpollEvents.Control(Epoll, Libc.EPOLL_CTL_ADD, fd, Libc.EPOLLIN, connection.Token), "epoll_ctl(connection)");
            if (_stopping)
            {
                connection.Protocol.OnStopping();
            }
        }
        catch (Exception exception)
        {
            ContainFailure(connection, exception);
        }
    }

    /// <summary>
    /// Gives this reactor a connection to own on its own thread, from any thread: one another reactor accepted, or the
    /// server end of the in-memory test host's socket pair. False once this reactor has stopped (the caller keeps the
    /// descriptor). A reactor that is stopping waits for the connections on their way to it.
    /// </summary>
    public bool TryHandOver(int fd, PeerAddress remote)
    {
        int pending;
        do
        {
            pending = Volatile.Read(ref _handovers);
            if (pending < 0)
            {
                return false;
            }
        }
        while (Interlocked.CompareExchange(ref _handovers, pending + 1, pending) != pending);
        Post(static state =>
        {
            var (reactor, fd, remote) = ((Reactor, int, PeerAddress))state!;
            Interlocked.Decrement(ref reactor._handovers);
            reactor.Register(fd, remote);
        }, (this, fd, remote));
        return true;
    }

    /// <summary>Stops taking handed-over connections if none is on its way; false (keep running) if one is.</summary>
    private bool CloseToHandovers() => Interlocked.CompareExchange(ref _handovers, -1, 0) is 0 or -1;

    /// <summary>
    /// Spreads the connections this reactor accepts over <paramref name="group"/> in turn. For a listening socket all
    /// reactors share (systemd's): epoll wakes the reactor that waited first, which would otherwise take most of them.
    /// </summary>
    public void ShareAcceptsWith(AcceptGroup group) => _acceptGroup = group;

    private int AddSlot()
    {
        _connections.Add(null);
        return _connections.Count - 1;
    }

    private void PauseListeners()
    {
        _listenersPaused = true;
        _resumeAcceptAt = Clock() + TickMilliseconds;
        foreach (var listener in _listeners)
        {
            EpollEvents.Control(Epoll, Libc.EPOLL_CTL_DEL, listener, 0, 0);
        }
    }

    private void ResumeListeners()
    {
        _listenersPaused = false;
        for (var i = 0; i < _listeners.Count; i++)
        {
            EpollEvents.Control(Epoll, Libc.EPOLL_CTL_ADD, _listeners[i], Libc.EPOLLIN | Libc.EPOLLEXCLUSIVE, ListenerTokenBase + (ulong)i);
        }
    }

    private static void SetOption(int fd, int level, int name, int value) =>
        Errno.ThrowIfFailed(Libc.SetSockOpt(fd, level, name, &value, sizeof(int)), $"setsockopt({level}, {name})");
}
