using System.Threading.Tasks.Sources;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Abstractions;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// One request of an ASP.NET Core application on Micro, pooled: the features, the application's context (kept
/// with the features, so hosting reuses its HttpContext, as on Kestrel), and, inline, the task the exchange waits on.
/// The application runs inline on the reactor, or on the thread pool (<see cref="ApplicationScheduling"/>), where the
/// exchange waits on a <see cref="PendingRequest{TContext}"/> and the run is taken when the lane starts it; the exchange
/// is let go as soon as the response is complete, and the run goes back to its pool once the application's side
/// (OnCompleted callbacks, disposing the context) is done too.
/// </summary>
internal sealed class ApplicationRun<TContext> : RequestFeatures, IHostContextContainer<TContext>, IValueTaskSource
    where TContext : notnull
{
    private readonly IHttpApplication<TContext> _application;
    private readonly ApplicationRunPool<TContext> _pool;
    private readonly ILogger _logger;
    private Action<object?>? _continuation;
    private object? _continuationState;
    private bool _exchangeDone;
    private int _holders; // the exchange's side and the application's side: the last to let go returns the run to the pool
    private short _version;

    public ApplicationRun(IHttpApplication<TContext> application, ApplicationRunPool<TContext> pool, MicroServerHostOptions options, ILogger logger)
        : base(options)
    {
        _application = application;
        _pool = pool;
        _logger = logger;
    }

    public TContext? HostContext { get; set; }

    /// <summary>On the reactor, scheduled inline: takes the request and runs the application; the task completes when the response is complete.</summary>
    public ValueTask Begin(HttpExchange exchange, int requestNumber)
    {
        _holders = 2;
        _exchangeDone = false;
        RequestNumber = requestNumber;
        Start(exchange, exchange.RequestAborted);
        var token = _version;
        Run();
        return new ValueTask(this, token);
    }

    /// <summary>
    /// On the lane, scheduled on the thread pool: takes the request its reactor handed over and runs the application;
    /// <paramref name="pending"/> is what the connection waits on, completed when the response is.
    /// </summary>
    public void Begin(PendingRequest pending)
    {
        _holders = 2;
        _exchangeDone = false;
        _pending = pending;
        RequestNumber = pending.Number;
        Start(pending.Exchange!, pending.Aborted);
        Run();
    }

    private PendingRequest? _pending; // scheduled on the thread pool: what the connection waits on

    /// <summary>
    /// Runs the application; when it completes at once (most requests) and nothing is to run after the response, the
    /// response is finished and the context let go without an async state machine.
    /// </summary>
    private void Run()
    {
        TContext context;
        Task processing;
        try
        {
            context = _application.CreateContext(this);
        }
        catch (Exception exception)
        {
            LogFailure(exception);
            _ = FinishAfterFailureAsync(exception);
            return;
        }
        var onLane = _pending is not null;
        if (onLane)
        {
            EnterFirstPart();
        }
        try
        {
            processing = _application.ProcessRequestAsync(context);
        }
        catch (Exception exception)
        {
            processing = Task.FromException(exception);
        }
        if (onLane)
        {
            LeaveFirstPart(processing.IsCompleted);
        }
        if (!processing.IsCompletedSuccessfully || (!HasStartedCallbacksRun && HasStartingCallbacks))
        {
            _ = CompleteAsync(context, processing);
            return;
        }
        if (!HasCompletionCallbacks)
        {
            var packed = FinishAtOnce();
            _application.DisposeContext(context, null); // with the exchange still at hand: hosting may read the request
            if (packed)
            {
                LetBothSidesGo();
                return;
            }
            LetGo();
            return;
        }
        // Most requests that use services have one: the request's service scope is disposed when it completes.
        ReadRequestHeadersNow(); // the callbacks may run after the exchange has gone back to its connection
        if (FinishAtOnce())
        {
            LetExchangeGo();
        }
        var callbacks = RunOnCompletedAsync();
        if (!callbacks.IsCompletedSuccessfully)
        {
            _ = DisposeAfterAsync(callbacks, context);
            return;
        }
        _application.DisposeContext(context, null);
        LetGo();
    }

    /// <summary>
    /// The application completed at once: on the lane, its whole response is packed for the reactor when it can be
    /// (true: the run no longer needs the exchange, and is let go on the lane); else the run finishes it on the reactor.
    /// </summary>
    private bool FinishAtOnce()
    {
        if (_pending is { } pending)
        {
            if (TryPackResponse(pending, _logger, out var refused))
            {
                _pending = null; // the packed response completes it
                return true;
            }
            Finish(inFirstPart: true, refused);
            return false;
        }
        Finish();
        return false;
    }

    /// <summary>The exchange's side of a run whose response was packed: nothing of the run is needed on the reactor.</summary>
    private void LetExchangeGo()
    {
        ReleaseExchange();
        LetGo();
    }

    private async ValueTask DisposeAfterAsync(ValueTask callbacks, TContext context)
    {
        try
        {
            await callbacks.ConfigureAwait(true);
        }
        finally
        {
            _application.DisposeContext(context, null);
            LetGo();
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask FinishAfterFailureAsync(Exception failure)
    {
        try
        {
            await FinishAsync(failure).ConfigureAwait(true);
        }
        finally
        {
            LetGo();
        }
    }

    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask CompleteAsync(TContext context, Task processing)
    {
        Exception? failure = null;
        try
        {
            // Back on the context this began on: inline, the reactor's, where an app whose continuations came home
            // completes, so the response is finished there at once. With ConfigureAwait(false) the runtime would not
            // run the rest on a thread with a context: it went through the thread pool and was posted back, waking
            // the reactor, for every inline request that awaited anything. On the thread pool there is no context.
            await processing.ConfigureAwait(true);
        }
        catch (Exception exception)
        {
            failure = exception;
            LogFailure(exception);
        }
        if (HasCompletionCallbacks)
        {
            ReadRequestHeadersNow(); // the callbacks run after the exchange has gone back to its connection
        }
        try
        {
            await FinishAsync(failure).ConfigureAwait(true);
            await RunOnCompletedAsync().ConfigureAwait(true);
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "Completing the response to {Path} failed.", Path);
        }
        finally
        {
            _application.DisposeContext(context, failure);
            LetGo();
        }
    }

    protected override ILogger ConnectionLogger => _logger;

    protected override KestrelMetrics? Metrics => _pool.Metrics;

    protected override void LogCallbackFailure(Exception exception) => _logger.LogError(exception, "An OnCompleted callback of {Path} threw.", Path);

    protected override void LogFailure(Exception exception)
    {
        if (exception is Microsoft.AspNetCore.Http.BadHttpRequestException bad)
        {
            _pool.Rejected?.Report(null, this, bad);
            // The client's doing (a body too large, malformed, cut short), answered with its status: at Debug, as
            // Kestrel logs bad requests, so a hostile client cannot fill the log.
            _logger.LogDebug(exception, "Bad request body: {Message}", exception.Message);
            return;
        }
        if (exception is Microsoft.AspNetCore.Connections.ConnectionResetException || (exception is OperationCanceledException or IOException && (ConnectionAborted || AbortedByApp)))
        {
            // The app's read, wait or write ended because the client went away (or the connection was aborted), as it
            // should: not the app's failure. At Debug, as Kestrel logs it, so clients that hang up cannot fill the log.
            // A reset is known by its exception alone: the body's reader may learn it before RequestAborted fires.
            _logger.LogDebug("Connection {Connection}, request {Request}: the request was aborted while the application ran ({Exception}).",
                ((Microsoft.AspNetCore.Http.Features.IHttpConnectionFeature)this).ConnectionId, ((Microsoft.AspNetCore.Http.Features.IHttpRequestIdentifierFeature)this).TraceIdentifier, exception.GetType().Name);
            return;
        }
        _logger.LogError(exception, "Connection {Connection}, request {Request}: an unhandled exception was thrown by the application.",
            ((Microsoft.AspNetCore.Http.Features.IHttpConnectionFeature)this).ConnectionId, ((Microsoft.AspNetCore.Http.Features.IHttpRequestIdentifierFeature)this).TraceIdentifier);
    }

    /// <summary>On the reactor, once the response is complete: the exchange's task completes here, so its connection moves on at once.</summary>
    protected override void OnExchangeDone()
    {
        if (_pending is { } pending)
        {
            _pending = null;
            pending.Complete();
            LetGo(); // the exchange's side: nothing waits on this run itself
            return;
        }
        _exchangeDone = true;
        var continuation = _continuation;
        _continuation = null;
        continuation?.Invoke(_continuationState);
    }

    private void LetGo()
    {
        if (Interlocked.Decrement(ref _holders) == 0)
        {
            ReturnToPool();
        }
    }

    /// <summary>
    /// A packed response, the application done with nothing after it: both sides let go here, on the lane, and no other
    /// thread ever held this run for the request (the reactor completes the request's <see cref="PendingRequest"/>,
    /// never the run), so no locked decrement: one made the lane wait for every store of the response to reach memory.
    /// </summary>
    private void LetBothSidesGo()
    {
        ReleaseExchange();
        _holders = 0;
        ReturnToPool();
    }

    private void ReturnToPool()
    {
        _version++;
        Reset();
        _pool.Return(this);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _exchangeDone ? ValueTaskSourceStatus.Succeeded : ValueTaskSourceStatus.Pending;

    void IValueTaskSource.GetResult(short token) => LetGo(); // called once by the exchange, after the response completed

    /// <summary>Registered by the connection on its reactor; called there (not posted) when the response completes, as the response completes there.</summary>
    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        _continuationState = state;
        _continuation = continuation;
    }
}
