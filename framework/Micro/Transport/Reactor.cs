using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// One thread, one epoll instance, its own SO_REUSEPORT listeners, and the connections the kernel gave them. Other
/// threads reach it only through <see cref="Post"/>, which queues work and writes its eventfd.
/// </summary>
internal sealed unsafe partial class Reactor
{
    private const ulong WakeToken = ulong.MaxValue;
    private const ulong ListenerTokenBase = ulong.MaxValue - 1024;
    private const int MaxEvents = 256;
    private const int TickMilliseconds = 1000;

    private readonly Func<TransportConnection, IConnectionProtocol> _protocolFactory;
    private readonly ConnectionCounter _counter;
    private readonly ConcurrentQueue<(SendOrPostCallback Callback, object? State)> _remoteWork = new();
    private readonly Queue<(SendOrPostCallback Callback, object? State)> _localWork = new();
    private readonly List<TransportConnection?> _connections = [];
    private readonly Stack<int> _freeSlots = new();
    private readonly List<int> _listeners = [];
    private readonly int _wakeFd;
    private Thread _thread;
    private ThreadStack _stack; // the reactor thread's, while it runs: tells it apart without reading the current thread
    private readonly Lock _wakeLock = new();
    private bool _wakeClosed;
    private bool _stopping;
    private long _nextTick; // the reactor thread's: when OnTick runs next
    private volatile bool _stopped;
    private long _accepted;
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Reactor(int index, TransportOptions options, ReactorLog log, ConnectionCounter counter, Func<TransportConnection, IConnectionProtocol> protocolFactory)
    {
        Index = index;
        Options = options;
        Log = log;
        _counter = counter;
        _protocolFactory = protocolFactory;
        Pool = new BlockPool(options.BlockSize, 1024);
        Scratch = GC.AllocateUninitializedArray<byte>(options.ReadBufferSize, pinned: true);
        Epoll = Errno.ThrowIfFailed(Libc.EpollCreate1(Libc.EPOLL_CLOEXEC), "epoll_create1");
        _wakeFd = Errno.ThrowIfFailed(Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK), "eventfd");
        Errno.ThrowIfFailed(EpollEvents.Control(Epoll, Libc.EPOLL_CTL_ADD, _wakeFd, Libc.EPOLLIN, WakeToken), "epoll_ctl(eventfd)");
        SynchronizationContext = new ReactorSynchronizationContext(this);
        Now = Clock();
        _thread = new Thread(Run) { IsBackground = true, Name = $"Micro reactor {index}" };
    }

    public int Index { get; }

    public TransportOptions Options { get; }

    public ReactorLog Log { get; }

    public BlockPool Pool { get; }

    /// <summary>Where reads land when the connection keeps nothing from before: one buffer for all of the reactor's connections.</summary>
    public byte[] Scratch { get; }

    public int Epoll { get; }

    /// <summary>The context async handlers resume on, so their continuations come home to this thread.</summary>
    public ReactorSynchronizationContext SynchronizationContext { get; }

    /// <summary>The reactor's clock, in milliseconds, read once per turn of the loop; timeouts advance at the once-a-second tick.</summary>
    public long Now { get; private set; }

    /// <summary>The time now on the reactors' clock (<see cref="TransportOptions.Clock"/>), read fresh.</summary>
    public long Clock() => Options.Clock is { } clock ? clock() : Environment.TickCount64;

    public int ConnectionCount { get; private set; }

    /// <summary>
    /// On the reactor's thread: the next tick comes no later than <paramref name="when"/> (its clock), for a deadline
    /// that falls between two once-a-second ticks and should not wait for the second (the end of an idle connection's
    /// grace at a stop). The ticks go on once a second after it.
    /// </summary>
    public void TickNoLaterThan(long when) => _nextTick = Math.Min(_nextTick, when);

    public bool IsOnReactorThread => _stack.IsKnown ? _stack.HoldsCallingFrame() : Thread.CurrentThread == _thread;

    /// <summary>The reactor whose thread this is; null on any other thread. For APIs that must never wait on a reactor.</summary>
    public static Reactor? Current => t_current;

    [ThreadStatic]
    private static Reactor? t_current;

    /// <summary>
    /// Throws when called on any reactor thread: for the few APIs that must wait (for another thread, another reactor,
    /// a stop), since a reactor that waits stalls every connection it owns, and two that wait on each other never turn again.
    /// </summary>
    public static void ThrowIfOnAReactor(string what)
    {
        if (t_current is { } reactor)
        {
            throw new InvalidOperationException(
                $"{what} waits, and must not be called on a reactor thread (here: reactor {reactor.Index}, which would stall every connection it serves): await an asynchronous alternative, or call it from another thread.");
        }
    }

    /// <summary>Completes when the reactor's thread has ended.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Why the reactor ended when nobody asked it to (its epoll failed); null after a normal stop.</summary>
    public Exception? Failure { get; private set; }

    /// <summary>Connections this reactor has accepted since it started (read from any thread, for diagnostics and tests).</summary>
    public long AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>The kernel's id of the reactor's thread (0 until it runs), for the watchdog's stack sample.</summary>
    public int OsThreadId { get; private set; }

    /// <summary>When the turn of the loop now running began (the reactor's clock), or 0 while it waits in epoll_wait: read by the watchdog.</summary>
    public long BusySince => Volatile.Read(ref _busySince);

    private long _busySince;

    /// <summary>
    /// What the reactor is running, if a protocol said (a request's handler): for the watchdog's report when the
    /// reactor stops turning. Its ToString is called from the watchdog's thread, only while the reactor is stuck in it.
    /// </summary>
    public object? Running
    {
        get => Volatile.Read(ref _running);
        set => _running = value; // read rarely, from another thread; a plain write on the hot path
    }

    private object? _running;

    /// <summary>Raised on the reactor thread once a second, before connections tick.</summary>
    public event Action<long>? Tick;

    public void Start() => _thread.Start();

    /// <summary>
    /// Makes the calling thread this reactor's, in place of its own, for a benchmark that drives a protocol directly
    /// (no epoll loop runs): code that must run on the reactor then runs here. Only before <see cref="Start"/>, never after.
    /// </summary>
    internal void AdoptCallingThread()
    {
        if ((_thread.ThreadState & ThreadState.Unstarted) == 0 || t_current is not null)
        {
            throw new InvalidOperationException("Only a reactor that has not started can adopt a thread that is no reactor's.");
        }
        _thread = Thread.CurrentThread;
        _stack = ThreadStack.OfCallingThread();
        t_current = this;
    }

    /// <summary>True once the reactor's thread has ended: work posted now is dropped (its connections are gone).</summary>
    public bool HasEnded => Volatile.Read(ref _wakeClosed);


    /// <summary>Stops accepting, asks every connection to finish, and ends the thread once none is left.</summary>
    public void BeginStop() => Post(static state => ((Reactor)state!).Stop(), this);

    /// <summary>Closes every connection now and ends the thread: the server's stop ran out of time.</summary>
    public void Abort() => Post(static state => ((Reactor)state!).AbortAll(ConnectionError.AppShutdownTimeout), this);

    /// <summary>The most unsent output any connection of this reactor has held when it stopped reading: the backpressure bound, for tests and diagnostics.</summary>
    internal long PeakPausedOutput { get; private set; }

    /// <summary>Raised when a connection stops reading because its output passed the high-water mark.</summary>
    internal event Action<long>? OutputPaused;

    internal void OnOutputPaused(long pending)
    {
        PeakPausedOutput = Math.Max(PeakPausedOutput, pending);
        OutputPaused?.Invoke(pending);
    }

    internal void Remove(TransportConnection connection)
    {
        _connections[connection.Slot] = null;
        _freeSlots.Push(connection.Slot);
        ConnectionCount--;
        _counter.Release();
        connection.ReportClosed(Options.Observer);
    }

    private void Run()
    {
        System.Threading.SynchronizationContext.SetSynchronizationContext(SynchronizationContext);
        t_current = this;
        _stack = ThreadStack.OfCallingThread();
        OsThreadId = Libc.GetTid();
        var events = (byte*)NativeMemory.Alloc((nuint)(EpollEvents.Size * MaxEvents));
        _nextTick = Clock() + TickMilliseconds;
        try
        {
            while (!_stopped)
            {
                var timeout = _localWork.Count > 0 ? 0 : (int)Math.Clamp(_nextTick - Clock(), 0, TickMilliseconds);
                Volatile.Write(ref _busySince, 0); // waiting is not being stuck
                var count = Libc.EpollWait(Epoll, events, MaxEvents, timeout);
                if (count < 0 && Errno.Last != Libc.EINTR)
                {
                    Errno.ThrowIfFailed(count, "epoll_wait");
                }
                // Once per turn, not per request: a connection accepted now must not be stamped with a time up to a
                // tick old, or a short keep-alive timeout would close it before its first request is read.
                Now = Clock();
                Volatile.Write(ref _busySince, Environment.TickCount64); // real time always: the watchdog's, whatever the clock
                for (var i = 0; i < count; i++)
                {
                    Dispatch(EpollEvents.EventsAt(events, i), EpollEvents.DataAt(events, i));
                }
                RunQueuedWork();
                var now = Clock();
                if (now >= _nextTick)
                {
                    _nextTick = now + TickMilliseconds; // before the tick: what it asks for (TickNoLaterThan) holds
                    OnTick(now);
                }
                if (_stopping && ConnectionCount == 0 && CloseToHandovers())
                {
                    _stopped = true;
                }
            }
        }
        catch (Exception exception)
        {
            // Only the reactor's own machinery gets here (epoll failing): connections' failures are contained.
            Failure = exception;
            Log.ReactorFailed(Index, exception);
            AbortAll(ConnectionError.OtherError);
        }
        finally
        {
            _stack.Forget();
            NativeMemory.Free(events);
            foreach (var listener in _listeners)
            {
                Libc.Close(listener);
            }
            _listeners.Clear();
            lock (_wakeLock)
            {
                _wakeClosed = true;
                Libc.Close(_wakeFd);
            }
            Libc.Close(Epoll);
            _exited.TrySetResult();
        }
    }

    private void Dispatch(uint events, ulong token)
    {
        if (token == WakeToken)
        {
            ulong value;
            Libc.Read(_wakeFd, (byte*)&value, sizeof(ulong));
            return;
        }
        if (token >= ListenerTokenBase)
        {
            Accept(_listeners[(int)(token - ListenerTokenBase)]);
            return;
        }
        var slot = (int)(uint)token;
        var connection = slot < _connections.Count ? _connections[slot] : null;
        if (connection is null || connection.Generation != (uint)(token >> 32))
        {
            return; // closed earlier in this batch
        }
        try
        {
            if ((events & Libc.EPOLLIN) != 0)
            {
                connection.OnReadable();
            }
            if ((events & Libc.EPOLLOUT) != 0 && !connection.IsClosed)
            {
                connection.OnWritable();
            }
            if ((events & (Libc.EPOLLERR | Libc.EPOLLHUP)) != 0 && (events & Libc.EPOLLIN) == 0 && !connection.IsClosed)
            {
                connection.OnHangUp(error: (events & Libc.EPOLLERR) != 0);
            }
            else if ((events & Libc.EPOLLRDHUP) != 0 && (events & Libc.EPOLLIN) == 0 && !connection.IsClosed)
            {
                connection.OnPeerShutWhilePaused();
            }
        }
        catch (Exception exception)
        {
            ContainFailure(connection, exception);
        }
    }

    private void OnTick(long now)
    {
        Now = now;
        if (_listenersPaused && !_stopping && now >= _resumeAcceptAt)
        {
            ResumeListeners();
        }
        Tick?.Invoke(now);
        Pool.TrimIdle(); // after a burst, the blocks it needed go back bit by bit
        MemoryGiveBack.OnTick();
        // By index, not foreach: a tick may close its connection, which empties the slot (a list write), and a
        // connection accepted later in the walk takes a free slot or appends one, which this loop then also ticks.
        for (var slot = 0; slot < _connections.Count; slot++)
        {
            var connection = _connections[slot];
            if (connection is null)
            {
                continue;
            }
            try
            {
                if (connection.IsLingering)
                {
                    connection.CheckLinger(now);
                    continue;
                }
                connection.Protocol?.OnTick(now);
            }
            catch (Exception exception)
            {
                ContainFailure(connection, exception);
            }
        }
    }

    /// <summary>
    /// One connection's exception ends that connection, never the reactor and the others it serves. The connection is
    /// closed before the failure is logged: closing gives back what it held, which is what an out-of-memory needs
    /// most, and the log (which cannot throw: <see cref="FailSafeLogger"/>) comes after, when there is room for it.
    /// </summary>
    private void ContainFailure(TransportConnection connection, Exception exception)
    {
        var fd = connection.Fd;
        Exception? closing = null;
        try
        {
            connection.Close();
        }
        catch (Exception exceptionWhileClosing)
        {
            closing = exceptionWhileClosing;
        }
        Log.ConnectionFailed(Index, fd, exception);
        if (closing is not null)
        {
            Log.ConnectionFailed(Index, fd, closing);
        }
    }

    private void Stop()
    {
        _stopping = true;
        foreach (var listener in _listeners)
        {
            EpollEvents.Control(Epoll, Libc.EPOLL_CTL_DEL, listener, 0, 0);
            Libc.Close(listener);
        }
        _listeners.Clear();
        foreach (var connection in _connections.ToArray())
        {
            connection?.Protocol?.OnStopping();
        }
    }

    /// <summary>Closes every connection and ends the loop; a connection whose close throws does not keep the others open.</summary>
    private void AbortAll(ConnectionError why)
    {
        _stopping = true;
        foreach (var connection in _connections.ToArray())
        {
            if (connection is null)
            {
                continue;
            }
            try
            {
                connection.NoteEnd(why);
                connection.Close();
            }
            catch (Exception exception)
            {
                Log.ConnectionFailed(Index, connection.Fd, exception);
            }
        }
        _stopped = true;
    }
}
