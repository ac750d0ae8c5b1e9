using System.Threading.Tasks.Sources;

namespace Micro.AspNetCore;

/// <summary>
/// A request handed to its connection's lane, waiting for a run to serve it (thread pool scheduling). The run is
/// taken only when the lane starts the request, not when the reactor reads it: with 256 connections pipelining
/// sixteen deep, the reactors read 4,096 requests ahead, and a run each (7 KB) is more than the caches hold. What
/// waits is this small object, kept with the exchange and reused with it. It is also what the connection waits on:
/// it completes, on the reactor, when the response is complete.
/// </summary>
internal abstract class PendingRequest : LaneRequest, IValueTaskSource
{
    private Action<object?>? _continuation;
    private object? _continuationState;
    private bool _done;
    private short _version;
    private RequestLines _lines; // where the exchange's state lay when the reactor handed it over

    /// <summary>The request's exchange (detached from the receive buffer) until its response is complete.</summary>
    public HttpExchange? Exchange { get; private set; }

    public int Number { get; private set; }

    /// <summary>The connection's abort token, taken on the reactor, where the connection makes it.</summary>
    public CancellationToken Aborted { get; private set; }

    /// <summary>On the reactor: the request is taken; the task completes when its response is complete.</summary>
    protected ValueTask Take(HttpExchange exchange, int number)
    {
        Exchange = exchange;
        Number = number;
        Aborted = exchange.RequestAborted;
        _lines = exchange.Lines;
        _done = false;
        return new ValueTask(this, ++_version);
    }

    /// <summary>One request ahead of this one's turn on another thread: asks for the lines of its exchange that turn reads first.</summary>
    public override void Prefetch() => _lines.Prefetch();

    /// <summary>On the reactor, once the response is complete: the connection moves on.</summary>
    public void Complete()
    {
        Exchange = null;
        _done = true;
        var continuation = _continuation;
        _continuation = null;
        continuation?.Invoke(_continuationState);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _done ? ValueTaskSourceStatus.Succeeded : ValueTaskSourceStatus.Pending;

    void IValueTaskSource.GetResult(short token)
    {
        if (token != _version || !_done)
        {
            throw new InvalidOperationException("The request's task was awaited out of turn.");
        }
    }

    /// <summary>Registered by the connection on its reactor; called there (not posted) when the response completes, as it completes there.</summary>
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _continuationState = state;
        _continuation = continuation;
    }
}

/// <summary>A pending request of an application with context <typeparamref name="TContext"/>: on the lane, a run of its pool serves it.</summary>
internal sealed class PendingRequest<TContext> : PendingRequest
    where TContext : notnull
{
    private readonly ApplicationRunPool<TContext> _pool;

    private PendingRequest(ApplicationRunPool<TContext> pool) => _pool = pool;

    /// <summary>On the reactor: hands the request to its connection's lane.</summary>
    public static ValueTask Hand(ApplicationRunPool<TContext> pool, HttpExchange exchange, int number)
    {
        exchange.DetachFromReceiveBuffer(); // the request is read on another thread, while the reactor reuses its receive buffer
        if (exchange.ApplicationState is not PendingRequest<TContext> pending || pending._pool != pool)
        {
            exchange.ApplicationState = pending = new PendingRequest<TContext>(pool);
        }
        var task = pending.Take(exchange, number);
        var connection = exchange.Connection!;
        ((ConnectionLane)(connection.HostState ??= new ConnectionLane(connection.Reactor, pool.Batches))).Enqueue(pending, connection.HasRequestsAhead);
        return task;
    }

    /// <summary>On the lane: a run takes the request and runs the application.</summary>
    public override void Start() => _pool.Rent().Begin(this);
}
