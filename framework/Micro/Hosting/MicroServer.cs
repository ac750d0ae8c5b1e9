using System.Net;
using System.Runtime.InteropServices;
using Micro.Http;
using Micro.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Hosting;

/// <summary>
/// The HTTP/1.1 server: N reactor threads, each with its own SO_REUSEPORT listener per endpoint, serving
/// <see cref="HttpHandler"/> with pipelining. Start it, read <see cref="EndPoints"/>, stop it gracefully.
/// </summary>
public sealed class MicroServer : IAsyncDisposable
{
    private readonly MicroServerOptions _options;
    private readonly HttpHandler _handler;
    private readonly ILoggerFactory _loggerFactory;
    private readonly List<Reactor> _reactors = [];
    private readonly StopSignal _stop;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ConnectionCounter? _counter;
    private HttpLog? _httpLog;
    private int _stopping;
    private readonly TaskCompletionSource _stopBegun = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Creates a server that answers every request with <paramref name="handler"/>.</summary>
    public MicroServer(MicroServerOptions options, HttpHandler handler, ILoggerFactory? loggerFactory = null)
        : this(options, handler, loggerFactory, new StopSignal())
    {
    }

    /// <summary>A server whose stop is signalled on <paramref name="stop"/>, which its app reads too (health checks).</summary>
    internal MicroServer(MicroServerOptions options, HttpHandler handler, ILoggerFactory? loggerFactory, StopSignal stop)
    {
        _stop = stop;
        _options = options;
        _handler = handler;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <summary>True from the moment a graceful stop begins: a load balancer's health check should fail from then on.</summary>
    public bool IsStopping => _stop.IsAnnounced;

    /// <summary>The addresses actually bound (port 0 resolved), once started.</summary>
    public IReadOnlyList<IPEndPoint> EndPoints { get; private set; } = [];

    /// <summary>
    /// Completes once every reactor has ended after a stop; faults when a reactor failed on its own (its epoll broke),
    /// after the server has stopped the others. <see cref="RunAsync"/> then throws, so the process ends and its
    /// supervisor can restart it rather than running on half deaf.
    /// </summary>
    public Task Completion => _completion.Task;

    /// <summary>Connections accepted so far by each reactor, in reactor order: which reactors are serving.</summary>
    internal long[] AcceptedPerReactor => [.. _reactors.Select(reactor => reactor.AcceptedCount)];

    internal IReadOnlyList<Reactor> Reactors => _reactors;

    /// <summary>Exchanges returned to a pool twice (each refused): nonzero only if Micro has a bug.</summary>
    internal int DoubleReturnedExchanges => _httpLog?.DoubleReturns ?? 0;

    /// <summary>
    /// The connection cap in force once started: <see cref="MicroServerOptions.MaxConnections"/>, or by default the
    /// process's open-files limit less a reserve for everything else (see docs/server.md).
    /// </summary>
    public int MaxConnections { get; private set; }

    /// <summary>Connections open right now, across all reactors.</summary>
    public int ConnectionCount => _counter?.Count ?? 0;

    /// <summary>Waits until no more than <paramref name="count"/> connections are open.</summary>
    internal Task WaitForConnectionCountAsync(int count, CancellationToken cancellationToken) => _counter!.WaitForCountAsync(count, cancellationToken);

    /// <summary>The largest output a connection held when it stopped reading.</summary>
    internal long PeakPausedOutput => _reactors.Count == 0 ? 0 : _reactors.Max(reactor => reactor.PeakPausedOutput);

    /// <summary>Completes when some connection stops reading because of backpressure.</summary>
    internal Task WaitForOutputPausedAsync(CancellationToken cancellationToken)
    {
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        foreach (var reactor in _reactors)
        {
            reactor.OutputPaused += _ => paused.TrySetResult();
        }
        return paused.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Binds the endpoints and starts the reactor threads.</summary>
    public void Start()
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Micro's transport is built on Linux epoll.");
        }
        if (_reactors.Count > 0)
        {
            throw new InvalidOperationException("The server has already been started.");
        }
        _options.Validate();
        Transport.Interop.BrokenPipeSignal.EnsureIgnored();
        StartupWarmup.Run();
        var endPoints = _options.EndPoints.Count > 0 ? _options.EndPoints : [new IPEndPoint(IPAddress.Loopback, 8080)];
        var maxConnections = _options.MaxConnections ?? DescriptorBudget.DefaultMaxConnections();
        MaxConnections = maxConnections;
        var transportOptions = TransportOptionsFor(_options, endPoints, _options.ReactorCount, maxConnections);
        var httpOptions = HttpOptions(_options);
        _counter = new ConnectionCounter(maxConnections);
        var transportLog = new ReactorLog(_loggerFactory.CreateLogger("Micro.Transport"));
        var httpLog = _httpLog = new HttpLog(_loggerFactory.CreateLogger("Micro.Http"), _options.RequestRejected);
        PortHandover.WarnIfLossy(_options, _loggerFactory.CreateLogger("Micro.Hosting"));
        try
        {
            for (var i = 0; i < transportOptions.ReactorCount; i++)
            {
                HttpReactorState? state = null;
                var reactor = new Reactor(i, transportOptions, transportLog, _counter, connection => new HttpConnection(connection, state!));
                state = new HttpReactorState(reactor, _handler, httpOptions, httpLog, _stop);
                reactor.Tick += _ => ResponseFramer.RefreshDate();
                _reactors.Add(reactor);
            }
            var bound = new List<IPEndPoint>();
            var inherited = _options.UseSystemdSockets ? SystemdSockets.Take() : [];
            foreach (var fd in inherited)
            {
                // Every reactor waits on its own duplicate of the one socket systemd passed; the original is closed.
                bound.Add(ListenOnEveryReactor(fd));
            }
            foreach (var endPoint in inherited.Length > 0 ? [] : endPoints)
            {
                if (_options.SharePort)
                {
                    // A socket each, all with SO_REUSEPORT: the kernel spreads connections over them, and another
                    // process that opted in too can join (a hand-over). The first resolves port 0 for the others.
                    var first = Reactor.Bind(endPoint, sharePort: true, transportOptions.Backlog, out var actual);
                    _reactors[0].Adopt(first);
                    Transport.Interop.Libc.Close(first);
                    for (var i = 1; i < _reactors.Count; i++)
                    {
                        var fd = Reactor.Bind(actual, sharePort: true, transportOptions.Backlog, out _);
                        _reactors[i].Adopt(fd);
                        Transport.Interop.Libc.Close(fd);
                    }
                    bound.Add(actual);
                }
                else
                {
                    // One socket, bound exclusively (a second bind of the port fails), every reactor on a duplicate.
                    bound.Add(ListenOnEveryReactor(Reactor.Bind(endPoint, sharePort: false, transportOptions.Backlog, out _)));
                }
            }
            if (_reactors.Count > 1 && (inherited.Length > 0 || !_options.SharePort))
            {
                // One socket for all: whichever reactor accepts hands the connection on in turn, so all share the load.
                var group = new AcceptGroup(_reactors);
                foreach (var reactor in _reactors)
                {
                    reactor.ShareAcceptsWith(group);
                }
            }
            EndPoints = bound;
        }
        catch
        {
            foreach (var reactor in _reactors)
            {
                reactor.Start();
                reactor.Abort();
            }
            throw;
        }
        ResponseFramer.RefreshDate();
        foreach (var reactor in _reactors)
        {
            reactor.Start();
            _ = reactor.Exited.ContinueWith(_ => OnReactorExited(reactor), TaskScheduler.Default);
        }
        if (_options.ReactorStallTimeout > TimeSpan.Zero)
        {
            _watchdog = new Transport.Watchdog.ReactorWatchdog(_reactors, _options.ReactorStallTimeout, transportLog);
            _watchdog.Start();
        }
        _transportLog = transportLog;
    }

    /// <summary>Every reactor waits on its own duplicate of <paramref name="fd"/>, which is then closed; returns where it listens.</summary>
    private IPEndPoint ListenOnEveryReactor(int fd)
    {
        try
        {
            var actual = _reactors[0].Adopt(fd);
            for (var i = 1; i < _reactors.Count; i++)
            {
                _reactors[i].Adopt(fd);
            }
            return actual;
        }
        finally
        {
            Transport.Interop.Libc.Close(fd);
        }
    }

    private Transport.Watchdog.ReactorWatchdog? _watchdog;
    private ReactorLog? _transportLog;

    /// <summary>After the reactors were told to close everything: how long one that is not stuck takes to end.</summary>
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);

    /// <summary>The transport's own options, read from the user's once at start (by the server, and by the in-memory test host).</summary>
    internal static TransportOptions TransportOptionsFor(MicroServerOptions options, IReadOnlyList<IPEndPoint> endPoints, int reactorCount, int? maxConnections) => new()
    {
        EndPoints = endPoints,
        ReactorCount = reactorCount,
        MaxConnections = maxConnections,
        MaxInputBufferSize = Math.Max(1024 * 1024, 2 * (options.ParserLimits.MaxRequestLineLength + options.ParserLimits.MaxHeaderBytes)),
        OutputHighWaterMark = options.MaxResponseBufferSize,
        OutputLowWaterMark = options.MaxResponseBufferSize / 4,
        Clock = options.Clock,
        Observer = options.ConnectionObserver,
    };

    /// <summary>The HTTP layer's own options, read from the user's once at start.</summary>
    internal static HttpServerOptions HttpOptions(MicroServerOptions options) => new()
    {
        ParserLimits = options.ParserLimits,
        MaxRequestBodySize = options.MaxRequestBodySize,
        KeepAliveTimeout = options.KeepAliveTimeout,
        RequestHeadersTimeout = options.RequestHeadersTimeout,
        MinRequestBodyDataRate = new DataRate(options.MinRequestBodyDataRate, options.MinRequestBodyDataRateGracePeriod),
        MinResponseDataRate = new DataRate(options.MinResponseDataRate, options.MinResponseDataRateGracePeriod),
        MaxResponseBufferSize = options.MaxResponseBufferSize,
        MaxPipelinedRequests = options.MaxPipelinedRequests,
        StreamRequestBody = options.StreamRequestBody,
        BodyLimit = options.RouteBodyLimit,
        ServerLine = string.IsNullOrEmpty(options.ServerHeader) ? [] : System.Text.Encoding.ASCII.GetBytes($"Server: {options.ServerHeader}\r\n"),
        ProblemDetails = options.ProblemDetails,
        ClientFinAbortsRequests = options.ClientFinAbortsRequests,
    };

    private void OnReactorExited(Reactor reactor)
    {
        if (reactor.Failure is { } failure)
        {
            _completion.TrySetException(new InvalidOperationException(
                $"Micro reactor {reactor.Index} failed and stopped ({failure.Message}); the server has stopped the others.", failure));
            _ = StopAsync();
        }
        else if (_reactors.All(other => other.Exited.IsCompleted))
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>
    /// Graceful shutdown: stops accepting, closes idle connections, lets requests in flight finish (their responses
    /// say Connection: close) until <see cref="MicroServerOptions.ShutdownTimeout"/> or <paramref name="cancellationToken"/>,
    /// then closes whatever is left.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1 || _reactors.Count == 0)
        {
            await Task.WhenAll(_reactors.Select(reactor => reactor.Exited)).ConfigureAwait(false);
            return;
        }
        _stopBegun.TrySetResult();
        _stop.Begin();
        foreach (var reactor in _reactors)
        {
            reactor.BeginStop();
        }
        var drained = Task.WhenAll(_reactors.Select(reactor => reactor.Exited));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ShutdownTimeout);
        try
        {
            await drained.WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            foreach (var reactor in _reactors)
            {
                reactor.Abort();
            }
            // A reactor stuck in a handler never runs its abort: the stop ends without it rather than never (the
            // process then exits, its threads being background ones). The others close their connections.
            if (await Task.WhenAny(drained, Task.Delay(AbortGrace, CancellationToken.None)).ConfigureAwait(false) != drained)
            {
                foreach (var reactor in _reactors.Where(reactor => !reactor.Exited.IsCompleted))
                {
                    _transportLog?.ReactorStuckAtStop(reactor.Index, Transport.Watchdog.ReactorWatchdog.BusyFor(reactor).TotalSeconds,
                        Transport.Watchdog.ReactorWatchdog.Describe(reactor));
                }
            }
        }
        finally
        {
            _watchdog?.Dispose();
        }
    }

    /// <summary>Starts (unless started already), then serves until SIGTERM, Ctrl+C (SIGINT) or <paramref name="cancellationToken"/>, then stops gracefully.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (_reactors.Count == 0)
        {
            Start();
        }
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var registration = cancellationToken.Register(() => stop.TrySetResult());
        await Task.WhenAny(stop.Task, _completion.Task).ConfigureAwait(false);
        if (_options.ShutdownDelay > TimeSpan.Zero && !_completion.Task.IsCompleted)
        {
            // Serving on as before while health checks fail, so balancers stop sending before connections are closed.
            _stop.Announce();
            await Task.WhenAny(Task.Delay(_options.ShutdownDelay, CancellationToken.None), _stopBegun.Task, _completion.Task).ConfigureAwait(false);
        }
        await StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (_completion.Task.IsFaulted)
        {
            // The reactor logged its failure (Critical); throwing here ends the process rather than let it run on deaf.
            await _completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server gracefully.</summary>
    public ValueTask DisposeAsync() => new(StopAsync());
}
