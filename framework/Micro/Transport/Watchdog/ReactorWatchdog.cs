namespace Micro.Transport.Watchdog;

/// <summary>
/// Notices a reactor that has stopped turning: a handler that blocks (.Result on a task that needs the reactor to
/// finish, .Wait(), Thread.Sleep, a contended lock) holds every connection the reactor owns, and nothing else would
/// say so. A thread of its own (so it runs even when the thread pool is starved or deadlocked) looks at each reactor a
/// few times per <see cref="_stallTimeout"/>; one busy longer than that is logged once per stall, with what it runs
/// and the stack it is in (<see cref="ThreadStacks"/>), and again when it comes back.
/// </summary>
internal sealed class ReactorWatchdog : IDisposable
{
    private static readonly TimeSpan Sampling = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan StackTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StacksAtMostEvery = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<Reactor> _reactors;
    private readonly TimeSpan _stallTimeout;
    private readonly ReactorLog _log;
    private readonly long[] _reportedTurn; // per reactor: the turn (its start) reported stuck, 0 when none
    private readonly ManualResetEventSlim _stopped = new();
    private readonly Thread _thread;
    private long? _lastStackAt;

    public ReactorWatchdog(IReadOnlyList<Reactor> reactors, TimeSpan stallTimeout, ReactorLog log)
    {
        _reactors = reactors;
        _stallTimeout = stallTimeout;
        _log = log;
        _reportedTurn = new long[reactors.Count];
        _thread = new Thread(Watch) { IsBackground = true, Name = "Micro watchdog" };
    }

    public void Start() => _thread.Start();

    /// <summary>What a stuck reactor is running, for a report: the request a protocol named, or queued work.</summary>
    public static string Describe(Reactor reactor)
    {
        try
        {
            return reactor.Running?.ToString() ?? "queued work: an async continuation (a handler after an await), a timer or a callback";
        }
        catch (Exception)
        {
            return "a request (it could not be described)";
        }
    }

    /// <summary>How long <paramref name="reactor"/> has been in its current turn, or zero while it waits for events.</summary>
    public static TimeSpan BusyFor(Reactor reactor) =>
        reactor.BusySince is var since and not 0 ? TimeSpan.FromMilliseconds(Environment.TickCount64 - since) : TimeSpan.Zero;

    private void Watch()
    {
        var interval = TimeSpan.FromMilliseconds(Math.Clamp(_stallTimeout.TotalMilliseconds / 4, 50, 1000));
        while (!_stopped.Wait(interval))
        {
            for (var i = 0; i < _reactors.Count; i++)
            {
                Check(i);
            }
        }
    }

    private void Check(int index)
    {
        var reactor = _reactors[index];
        var turn = reactor.BusySince;
        var now = Environment.TickCount64;
        if (turn != 0 && now - turn >= _stallTimeout.TotalMilliseconds)
        {
            if (_reportedTurn[index] != turn)
            {
                _reportedTurn[index] = turn;
                Report(reactor, TimeSpan.FromMilliseconds(now - turn));
            }
        }
        else if (_reportedTurn[index] != 0 && turn != _reportedTurn[index])
        {
            _log.ReactorResumed(reactor.Index, (now - _reportedTurn[index]) / 1000.0);
            _reportedTurn[index] = 0;
        }
    }

    private void Report(Reactor reactor, TimeSpan stuckFor)
    {
        var running = Describe(reactor);
        var stack = "(no stack: one was sampled in the last 30 s; a stack costs the process a moment of sampling)";
        var now = Environment.TickCount64;
        if ((_lastStackAt is not { } last || now - last >= StacksAtMostEvery.TotalMilliseconds) && reactor.OsThreadId != 0)
        {
            _lastStackAt = now;
            using var timeout = new CancellationTokenSource(StackTimeout);
            try
            {
                // On the watchdog's own thread, never a reactor: waiting here holds nothing but the watchdog.
                stack = ThreadStacks.CaptureAsync(reactor.OsThreadId, Sampling, timeout.Token).GetAwaiter().GetResult();
            }
            catch (Exception exception)
            {
                stack = $"(no stack: {exception.GetType().Name}: {exception.Message})";
            }
        }
        _log.ReactorStalled(reactor.Index, stuckFor.TotalSeconds, running, stack);
    }

    public void Dispose()
    {
        _stopped.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join(TimeSpan.FromSeconds(20));
        }
        _stopped.Dispose();
    }
}
