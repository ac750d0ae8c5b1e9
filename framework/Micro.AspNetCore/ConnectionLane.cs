using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// The thread pool side of one connection: the requests its reactor hands over are started in order by one work
/// item, as Kestrel processes a connection on one thread, so a pipeline of sixteen requests costs one hop to the
/// pool rather than sixteen. Each request runs until it first waits; the next starts then (requests of a pipeline
/// are not held behind a slow one, and their answers still leave in order). Application code that blocks holds up
/// only the requests behind it on its own connection, never the reactor. The ends of the requests that complete
/// while the lane runs them are posted once, when the pass ends (<see cref="LaneBatch"/>): the reactor then answers
/// the whole pipeline in one send, where a post per response would wake it, and send, once per response.
/// </summary>
internal sealed class ConnectionLane(Reactor reactor, LaneBatchPool batches) : IThreadPoolWorkItem
{
    [ThreadStatic]
    private static ConnectionLane? t_running;

    // Chains of requests (LaneRequest.NextInLane) handed over and not yet taken, the last handed first (OtherChain):
    // one word, on this object's line, which the flag beside it puts in play anyway, where a queue's head, tail and
    // slot were each a line both cores wrote. One thread hands over, one takes all at once: no ABA to fear.
    private LaneRequest? _handedOver;
    private LaneRequest? _gatheredFirst; // on the reactor: the requests of the pipeline being read, not handed over yet
    private LaneRequest? _gatheredLast;
    private readonly Reactor _reactor = reactor;
    private LaneBatch? _batch; // this pass's, once something is kept for the reactor
    private int _scheduled;
    private bool _schedulePosted; // on the reactor: a pipeline is being read, the lane scheduled after it

    /// <summary>The batch of the pass running on this thread for <paramref name="target"/>'s connections (null: none; post instead).</summary>
    public static LaneBatch? BatchFor(Reactor target)
    {
        var lane = t_running;
        if (lane is null || lane._reactor != target)
        {
            return null;
        }
        return lane._batch ??= lane._batches.Rent();
    }

    private readonly LaneBatchPool _batches = batches;

    private RequestFeatures? _spareRun; // a run let go during this pass, kept for the pass's next request
    private IRunPool? _spareRunPool;

    /// <summary>
    /// The run the pass running on this thread kept for <paramref name="pool"/>, if any (null: take one from the pool).
    /// A pipeline's requests then each take the run the one before let go, hot in this core's cache, without the
    /// pool's lock, a line every core's requests write.
    /// </summary>
    public static RequestFeatures? TakeSpareRun(IRunPool pool)
    {
        var lane = t_running;
        if (lane?._spareRun is not { } run || lane._spareRunPool != pool)
        {
            return null;
        }
        lane._spareRun = null;
        lane._spareRunPool = null;
        return run;
    }

    /// <summary>Keeps a run let go on this thread for the running pass's next request (false: no pass runs here, or it keeps one).</summary>
    public static bool KeepSpareRun(IRunPool pool, RequestFeatures run)
    {
        var lane = t_running;
        if (lane is null || lane._spareRun is not null)
        {
            return false;
        }
        lane._spareRun = run;
        lane._spareRunPool = pool;
        return true;
    }

    /// <summary>At a pass's end: the kept run goes back to its pool (an idle connection holds none).</summary>
    private void ReturnSpareRun()
    {
        if (_spareRun is { } run)
        {
            var pool = _spareRunPool!;
            _spareRun = null;
            _spareRunPool = null;
            pool.ReturnShared(run);
        }
    }

    /// <summary>
    /// On the reactor: hands a request over, and schedules the lane when it is not already on its way: at once, or,
    /// when the client sent more behind this request (a pipeline being read), once the reactor has read what it
    /// received, so the lane starts with the whole pipeline instead of taking requests while the reactor still adds
    /// them (each of those a cache line handed back and forth between the two cores). Until then the requests are
    /// gathered here, linked in order, and handed over as one chain: the lane's hand-over word and its flag are each
    /// touched once per pipeline, not per request (a locked instruction each, on a line the lane writes too).
    /// </summary>
    public void Enqueue(LaneRequest request, bool moreAhead)
    {
        request.EndChain();
        if (_gatheredLast is null)
        {
            _gatheredFirst = request;
        }
        else
        {
            _gatheredLast.Link(request);
        }
        _gatheredLast = request;
        if (_schedulePosted)
        {
            return; // handed over once the reactor has read the rest
        }
        if (moreAhead)
        {
            _schedulePosted = true;
            _reactor.PostLocal(Schedule, this);
            return;
        }
        HandOver();
    }

    /// <summary>On the reactor: what was gathered goes to the lane as one chain, and the lane is scheduled unless it already is.</summary>
    private void HandOver()
    {
        if (_gatheredFirst is not { } first)
        {
            return;
        }
        _gatheredFirst = null;
        _gatheredLast = null;
        var handed = Volatile.Read(ref _handedOver);
        while (true)
        {
            first.LinkChain(handed);
            var seen = Interlocked.CompareExchange(ref _handedOver, first, handed); // publishes the chain's links with it
            if (seen == handed)
            {
                break;
            }
            handed = seen; // the lane took what was there meanwhile
        }
        ScheduleNow();
    }

    private void ScheduleNow()
    {
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private static readonly SendOrPostCallback Schedule = static state =>
    {
        var lane = (ConnectionLane)state!;
        lane._schedulePosted = false;
        lane.HandOver();
    };

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            t_running = this;
            try
            {
                for (var chain = TakeHandedOver(); chain is not null;)
                {
                    // Read before the chain starts, as each request's link below: a started request may be reused.
                    var nextChain = chain.OtherChain;
                    for (var request = chain; request is not null;)
                    {
                        // Read before the request starts: once started it may complete, and its object be reused, linked anew.
                        var next = request.NextInLane;
                        if (next is not null)
                        {
                            // The reactor wrote these lines on its core: asked for now, they load while this request runs.
                            CacheLines.Prefetch(next.NextInLane, 2); // the one after next: its own fields, read at the next step
                            next.Prefetch(); // the next: its exchange, head and bytes (its own lines were asked for a step ago)
                        }
                        request.Start();
                        request = next;
                    }
                    chain = nextChain ?? TakeHandedOver();
                }
            }
            finally
            {
                t_running = null;
                ReturnSpareRun();
                PostBatch();
            }
            // A request handed over after the last look and before the flag was cleared saw the lane scheduled: look
            // again. The flag is cleared with a locked exchange, a full fence, not a plain store: the look at what was
            // handed over after it must not be made before the store is seen, or a request the reactor handed over in
            // between (finding the flag still set) would wait, with the lane idle, until the connection's next request.
            Interlocked.Exchange(ref _scheduled, 0);
            if (Volatile.Read(ref _handedOver) is null || Interlocked.Exchange(ref _scheduled, 1) == 1)
            {
                return;
            }
        }
    }

    /// <summary>On the lane: every chain handed over so far, in the order handed (null: none).</summary>
    private LaneRequest? TakeHandedOver()
    {
        var chain = Interlocked.Exchange(ref _handedOver, null);
        LaneRequest? ordered = null;
        while (chain is not null)
        {
            var earlier = chain.OtherChain;
            chain.LinkChain(ordered);
            ordered = chain;
            chain = earlier;
        }
        return ordered;
    }

    private void PostBatch()
    {
        if (_batch is { } batch)
        {
            _batch = null;
            _reactor.Post(LaneBatch.Run, batch);
        }
    }
}
