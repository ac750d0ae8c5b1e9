using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// Runs kept for reuse, shared by the reactors and the lanes (a run is taken where its request starts and let go
/// where it ends, often another thread). Last in, first out: the run taken next is the one let go of last, still in
/// cache; a first-in-first-out queue handed out the coldest of all the runs ever kept, and each request paid for its
/// run's cache lines. Bounded: at most <see cref="Capacity"/> runs (a run holds about 7 KB), enough for the requests
/// in flight under heavy pipelining; beyond it, runs are left to the collector. On the thread pool a connection's lane
/// keeps the run its pass let go for the pass's next request (<see cref="ConnectionLane.TakeSpareRun"/>), and gives it
/// back here when the pass ends; with inline scheduling a reactor keeps the run its last request let go for its next
/// (<see cref="ReactorSpareRun"/>). Either way a run passes from request to request on one core without the lock.
/// </summary>
internal sealed class ApplicationRunPool<TContext>(IHttpApplication<TContext> application, MicroServerHostOptions options, ILogger logger,
    RejectedRequests? rejected = null, KestrelMetrics? metrics = null) : IRunPool
    where TContext : notnull
{
    public const int Capacity = 8192;

    /// <summary>Where a body failure that escaped the app is told, as Kestrel tells it (none in tests of the pool alone).</summary>
    public RejectedRequests? Rejected => rejected;

    /// <summary>Kestrel's connection metrics, which count upgraded connections too (none in tests of the pool alone).</summary>
    public KestrelMetrics? Metrics => metrics;

    /// <summary>Inline scheduling: a request starts, and almost always ends, on its reactor's thread.</summary>
    private readonly bool _runsOnReactors = options.Scheduling == ApplicationScheduling.Inline;

    private readonly Lock _lock = new();
    private ApplicationRun<TContext>[] _runs = new ApplicationRun<TContext>[64];
    private int _count;

    public ApplicationRun<TContext> Rent()
    {
        if (ConnectionLane.TakeSpareRun(this) is { } spare)
        {
            return Unsafe.As<ApplicationRun<TContext>>(spare); // kept by this pool's Return: one of its runs
        }
        if (_runsOnReactors && ReactorSpareRun.Take(this) is { } kept)
        {
            return Unsafe.As<ApplicationRun<TContext>>(kept); // likewise
        }
        lock (_lock)
        {
            if (_count > 0)
            {
                var run = _runs[--_count];
                _runs[_count] = null!;
                return run;
            }
        }
        return new ApplicationRun<TContext>(application, this, options, logger);
    }

    public void Return(ApplicationRun<TContext> run)
    {
        if (!ConnectionLane.KeepSpareRun(this, run) && !(_runsOnReactors && ReactorSpareRun.Keep(this, run)))
        {
            ReturnShared(run);
        }
    }

    void IRunPool.ReturnShared(RequestFeatures run) => ReturnShared(Unsafe.As<ApplicationRun<TContext>>(run));

    private void ReturnShared(ApplicationRun<TContext> run)
    {
        lock (_lock)
        {
            if (_count == Capacity)
            {
                return; // beyond the bound: left to the collector
            }
            if (_count == _runs.Length)
            {
                Array.Resize(ref _runs, Math.Min(Capacity, _runs.Length * 2)); // grows with the peak of requests in flight, not ahead of it
            }
            _runs[_count++] = run;
        }
    }

    /// <summary>The batches the lanes of this server's connections hand their reactors.</summary>
    public LaneBatchPool Batches { get; } = new();

    /// <summary>Runs kept now (for tests of the bound).</summary>
    public int Count => Volatile.Read(ref _count);
}

/// <summary>A pool of runs as a lane sees it: where a run it kept goes back at the pass's end.</summary>
internal interface IRunPool
{
    void ReturnShared(RequestFeatures run);
}
