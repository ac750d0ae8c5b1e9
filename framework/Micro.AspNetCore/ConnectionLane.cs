using System.Collections.Concurrent;
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

    private readonly ConcurrentQueue<IThreadPoolWorkItem> _requests = new();
    private readonly Reactor _reactor = reactor;
    private LaneBatch? _batch; // this pass's, once something is kept for the reactor
    private int _scheduled;

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

    /// <summary>
    /// On the reactor: queues a request, and the lane itself when it is not already on its way: at once, or, when the
    /// client sent more behind this request (a pipeline being read), once the reactor has read what it received, so
    /// the lane starts with the whole pipeline instead of taking requests off the queue while the reactor still adds
    /// them (each of those a cache line handed back and forth between the two cores).
    /// </summary>
    public void Enqueue(IThreadPoolWorkItem request, bool moreAhead)
    {
        _requests.Enqueue(request);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            if (moreAhead)
            {
                _reactor.PostLocal(Schedule, this);
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }
    }

    private static readonly SendOrPostCallback Schedule = static lane => ThreadPool.UnsafeQueueUserWorkItem((ConnectionLane)lane!, preferLocal: false);

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            t_running = this;
            try
            {
                while (_requests.TryDequeue(out var request))
                {
                    request.Execute();
                }
            }
            finally
            {
                t_running = null;
                PostBatch();
            }
            Volatile.Write(ref _scheduled, 0);
            // A request queued after the last look and before the flag was cleared saw the lane scheduled: look again.
            if (_requests.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) == 1)
            {
                return;
            }
        }
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
