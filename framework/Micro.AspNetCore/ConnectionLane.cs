using System.Collections.Concurrent;
using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// The thread pool side of one connection: the requests its reactor hands over are started in order by one work
/// item, as Kestrel processes a connection on one thread, so a pipeline of sixteen requests costs one hop to the
/// pool rather than sixteen. Each request runs until it first waits; the next starts then (requests of a pipeline
/// are not held behind a slow one, and their answers still leave in order). Application code that blocks holds up
/// only the requests behind it on its own connection, never the reactor. What the requests hand back to the reactor
/// while the lane runs them (their bodies, their ends) is posted once, when the pass ends: the reactor then answers
/// the whole pipeline in one send, where a post per response would wake it, and send, once per response.
/// </summary>
internal sealed class ConnectionLane(Reactor reactor) : IThreadPoolWorkItem
{
    [ThreadStatic]
    private static ConnectionLane? t_running;

    private readonly ConcurrentQueue<IThreadPoolWorkItem> _runs = new();
    private readonly List<(SendOrPostCallback Callback, object State)> _forReactor = [];
    private int _scheduled;

    /// <summary>
    /// Work for <paramref name="target"/>, from a request the lane is running now: kept for the post at the end of the
    /// pass (false: not inside a pass on this reactor's lane; post it now).
    /// </summary>
    public static bool TryDefer(Reactor target, SendOrPostCallback callback, object state)
    {
        var lane = t_running;
        if (lane is null || lane._reactor != target)
        {
            return false;
        }
        lane._forReactor.Add((callback, state));
        return true;
    }

    private readonly Reactor _reactor = reactor;

    /// <summary>On the reactor: queues a request, and the lane itself when it is not already on its way.</summary>
    public void Enqueue(IThreadPoolWorkItem run)
    {
        _runs.Enqueue(run);
        if (Interlocked.Exchange(ref _scheduled, 1) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    void IThreadPoolWorkItem.Execute()
    {
        while (true)
        {
            t_running = this;
            try
            {
                while (_runs.TryDequeue(out var run))
                {
                    run.Execute();
                }
            }
            finally
            {
                t_running = null;
                PostDeferred();
            }
            Volatile.Write(ref _scheduled, 0);
            // A request queued after the last look and before the flag was cleared saw the lane scheduled: look again.
            if (_runs.IsEmpty || Interlocked.Exchange(ref _scheduled, 1) == 1)
            {
                return;
            }
        }
    }

    private void PostDeferred()
    {
        var count = _forReactor.Count;
        if (count == 0)
        {
            return;
        }
        if (count == 1)
        {
            _reactor.Post(_forReactor[0].Callback, _forReactor[0].State);
            _forReactor.Clear();
            return;
        }
        // The batch goes to the reactor as a list of its own: the lane's spare when the reactor has handed it back,
        // so a busy connection allocates nothing per pass.
        var batch = Interlocked.Exchange(ref _spare, null) ?? new ReactorBatch(this);
        batch.Items.AddRange(_forReactor);
        _forReactor.Clear();
        _reactor.Post(s_runBatch, batch);
    }

    private ReactorBatch? _spare;

    /// <summary>One pass's work for the reactor, run there in order, then handed back to its lane for the next pass.</summary>
    private sealed class ReactorBatch(ConnectionLane lane)
    {
        public List<(SendOrPostCallback Callback, object State)> Items { get; } = [];

        public void Run()
        {
            try
            {
                foreach (var (callback, work) in Items)
                {
                    callback(work);
                }
            }
            finally
            {
                Items.Clear();
                Volatile.Write(ref lane._spare, this);
            }
        }
    }

    private static readonly SendOrPostCallback s_runBatch = static state => ((ReactorBatch)state!).Run();
}
