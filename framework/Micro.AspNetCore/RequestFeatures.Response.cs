using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Micro.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// The response side. The app's status, headers and body collect here, off the reactor; the first flush (or the end
/// of the request) runs the OnStarting callbacks and hands the head to the exchange, on the exchange's reactor,
/// where every later flush goes too. A body written whole before the app returns is sent with a Content-Length; once
/// flushed, it is streamed (with the app's Content-Length if it set one, else chunked).
/// </summary>
internal abstract partial class RequestFeatures : IHttpResponseFeature, IHttpResponseBodyFeature, IValueTaskSource<FlushResult>
{
    private readonly ResponseHeaderDictionary _responseHeaders = new();
    private readonly List<KeyValuePair<Func<object, Task>, object>> _onStarting = [];
    private readonly List<KeyValuePair<Func<object, Task>, object>> _onCompleted = [];
    private IHeaderDictionary? _replacedResponseHeaders;
    private Stream? _replacedResponseBody;
    private int _statusCode = StatusCodes.Status200OK;
    private bool _started;
    private bool _onStartingRan;
    private bool _flushedOffReactor; // a file sent afterwards must not overtake what was flushed
    private ManualResetValueTaskSourceCore<FlushResult> _flush = new() { RunContinuationsAsynchronously = true };
    private readonly HeaderBytes _headerBytes = new();
    private ValueTask _pendingFlush;
    private Action? _onPendingFlushDone;

    /// <summary>The rest of the request body will not be read: the connection closes after the response.</summary>
    public bool CloseAfterResponse { get; set; }

    public HttpResponsePipeWriter BodyWriter => _responseWriter;

    private void ResetResponse()
    {
        _responseWriter.Reset();
        _outbox.Reset();
        _responseHeaders.Reset();
        _onStarting.Clear();
        _onCompleted.Clear();
        _replacedResponseHeaders = null;
        _replacedResponseBody = null;
        _statusCode = StatusCodes.Status200OK;
        ReasonPhrase = null;
        _started = _onStartingRan = _flushCanceled = _flushedOffReactor = false;
        ForgetHead();
        CloseAfterResponse = false;
    }

    public int StatusCode
    {
        get => _statusCode;
        set
        {
            if (_started)
            {
                throw new InvalidOperationException("StatusCode cannot be set because the response has already started.");
            }
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 100);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _statusCode = value;
        }
    }

    public string? ReasonPhrase { get; set; }

    IHeaderDictionary IHttpResponseFeature.Headers
    {
        get => _replacedResponseHeaders ?? _responseHeaders;
        set => _replacedResponseHeaders = value;
    }

    private IHeaderDictionary ResponseHeaders => _replacedResponseHeaders ?? _responseHeaders;

    Stream IHttpResponseFeature.Body
    {
        get => _replacedResponseBody ?? _responseStream;
        set => _replacedResponseBody = value;
    }

    public bool HasStarted => _started;

    /// <summary>The body is being written: from now on the status and the callbacks are fixed, as on Kestrel.</summary>
    public void MarkStarted() => _started = true;

    public void OnStarting(Func<object, Task> callback, object state)
    {
        if (_started)
        {
            throw new InvalidOperationException("OnStarting cannot be set because the response has already started."); // Kestrel's words
        }
        _onStarting.Add(new(callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add(new(callback, state));

    protected bool HasCompletionCallbacks => _onCompleted.Count > 0;

    protected bool HasStartingCallbacks => _onStarting.Count > 0;

    protected bool HasStartedCallbacksRun => _onStartingRan;

    Stream IHttpResponseBodyFeature.Stream => _responseStream;

    PipeWriter IHttpResponseBodyFeature.Writer => _responseWriter;

    /// <summary>Nothing is held back but what the app has not flushed: there is no buffering to turn off.</summary>
    void IHttpResponseBodyFeature.DisableBuffering()
    {
    }

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => _onStartingRan || _onStarting.Count == 0 ? MarkStartedTask() : StartAsync();

    private Task MarkStartedTask()
    {
        MarkStarted();
        _responseHeaders.IsReadOnly = true; // StartAsync makes them unmodifiable, as Kestrel's; OnStarting has run, or there is none
        return Task.CompletedTask;
    }

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        SendFileAsync(path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync() => CompleteResponseAsync();

    /// <summary>A synchronous read or write, refused unless the app allowed them, in Kestrel's words; <paramref name="instead"/> names the method to call.</summary>
    public void ThrowIfSynchronousIODisallowed(string instead)
    {
        if (!AllowSynchronousIO)
        {
            throw new InvalidOperationException($"Synchronous operations are disallowed. Call {instead} or set AllowSynchronousIO to true instead.");
        }
        if (Reactor.IsOnReactorThread)
        {
            throw new InvalidOperationException($"A synchronous read or write would block the reactor this request runs on (ApplicationScheduling.Inline): call {instead}.");
        }
    }

    /// <summary>
    /// Runs the OnStarting callbacks, last registered first, once. The server's awaits here and around the response
    /// keep their context (ConfigureAwait(true)): inline, it is the reactor's, and a callback that awaited goes on on
    /// the reactor; with ConfigureAwait(false) the runtime sent the rest through the thread pool and posted it back, a
    /// wake each time. On the thread pool schedule there is no context, and nothing changes.
    /// </summary>
    private async ValueTask RunOnStartingAsync()
    {
        _onStartingRan = true;
        for (var i = _onStarting.Count - 1; i >= 0; i--)
        {
            await _onStarting[i].Key(_onStarting[i].Value).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Runs the OnCompleted callbacks, last registered first; one that throws is logged and does not stop the others.
    /// Synchronous while they complete at once (disposing the request's services does): nothing is allocated then.
    /// </summary>
    protected ValueTask RunOnCompletedAsync()
    {
        for (var i = _onCompleted.Count - 1; i >= 0; i--)
        {
            Task callback;
            try
            {
                callback = _onCompleted[i].Key(_onCompleted[i].Value);
            }
            catch (Exception exception)
            {
                LogCallbackFailure(exception);
                continue;
            }
            if (!callback.IsCompleted)
            {
                return RunRestOfOnCompletedAsync(callback, i);
            }
            if (callback.Exception is { } failure)
            {
                LogCallbackFailure(failure.InnerException ?? failure);
            }
        }
        return default;
    }

    private async ValueTask RunRestOfOnCompletedAsync(Task pending, int index)
    {
        try
        {
            await pending.ConfigureAwait(true);
        }
        catch (Exception exception)
        {
            LogCallbackFailure(exception);
        }
        for (var i = index - 1; i >= 0; i--)
        {
            try
            {
                await _onCompleted[i].Key(_onCompleted[i].Value).ConfigureAwait(true);
            }
            catch (Exception exception)
            {
                LogCallbackFailure(exception);
            }
        }
    }

    /// <summary>An OnCompleted callback threw: logged by the run.</summary>
    protected abstract void LogCallbackFailure(Exception exception);

    /// <summary>
    /// Hands what the app has written to the connection. Off the reactor the segments go to the outbox and a drain is
    /// posted; the flush completes at once unless too much is in flight or the client pushes back. On the reactor
    /// (inline) they are written now and the flush waits for the connection.
    /// </summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // As a pipe's flush: a token already cancelled (RequestAborted once the client is gone) ends the app's
            // writing loop now, rather than after every write it would still make into a dead connection.
            return ValueTask.FromCanceled<FlushResult>(cancellationToken);
        }
        MarkStarted();
        if (!_onStartingRan && _onStarting.Count > 0)
        {
            return FlushAfterOnStartingAsync(cancellationToken);
        }
        _onStartingRan = true;
        if (Reactor.IsOnReactorThread)
        {
            return FlushHereAsync(cancellationToken);
        }
        CheckHeadersOnStart();
        _flushedOffReactor = true;
        if (_outbox.IsGone)
        {
            _responseWriter.Release(); // as on Kestrel, writing to a client that is gone does nothing, and says so
            return FlushOutcome(new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true)));
        }
        if (TryStageFlush())
        {
            return FlushOutcome(new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false)));
        }
        _outbox.PublishStaged(); // what an earlier flush staged goes first
        _responseWriter.MoveTo(_outbox);
        if (_outbox.ScheduleDrain())
        {
            Reactor.Post(s_drain, this);
        }
        return FlushOutcome(_outbox.WaitForRoomAsync(cancellationToken));
    }

    private ValueTask<FlushResult> FlushOutcome(ValueTask<FlushResult> wait)
    {
        if (!_flushCanceled)
        {
            return wait;
        }
        _flushCanceled = false;
        return wait.IsCompletedSuccessfully ? new ValueTask<FlushResult>(new FlushResult(isCanceled: true, wait.Result.IsCompleted)) : wait;
    }

    private async ValueTask<FlushResult> FlushAfterOnStartingAsync(CancellationToken cancellationToken)
    {
        await RunOnStartingAsync().ConfigureAwait(true);
        return await FlushAsync(cancellationToken).ConfigureAwait(true);
    }

    /// <summary>StartAsync, as on Kestrel: OnStarting runs, the response counts as started and its headers are fixed; the head goes with the first bytes.</summary>
    private async Task StartAsync()
    {
        MarkStarted();
        if (!_onStartingRan)
        {
            await RunOnStartingAsync().ConfigureAwait(true);
        }
        _responseHeaders.IsReadOnly = true; // the callbacks may still set them; after StartAsync no one may
    }

    /// <summary>Inline, on the reactor: written to the exchange now; waits (asynchronously) only when the connection pushes back.</summary>
    private ValueTask<FlushResult> FlushHereAsync(CancellationToken cancellationToken)
    {
        var exchange = Exchange;
        if (exchange is null || exchange.RequestAborted.IsCancellationRequested)
        {
            _responseWriter.Release();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
        }
        SendHeadOnce(exchange);
        _responseWriter.Drain(exchange, static (target, bytes) => target.WriteStreamed(bytes));
        var backpressure = exchange.FlushStreamedAsync(cancellationToken);
        if (!backpressure.IsCompleted)
        {
            return AwaitBackpressureAsync(backpressure);
        }
        var gone = ResponseOutbox.ClientGone(backpressure);
        var canceled = _flushCanceled;
        _flushCanceled = false;
        return new ValueTask<FlushResult>(new FlushResult(canceled, gone));
    }

    private async ValueTask<FlushResult> AwaitBackpressureAsync(ValueTask backpressure)
    {
        var gone = false;
        try
        {
            await backpressure.ConfigureAwait(true); // inline: back on the reactor, not through the thread pool (as HttpRequestStream's reads)
        }
        catch (ConnectionResetException)
        {
            gone = true; // as on Kestrel: the client is gone, writing is pointless, nothing throws
        }
        var canceled = _flushCanceled;
        _flushCanceled = false;
        return new FlushResult(canceled, gone);
    }

    private volatile bool _flushCanceled;

    private static readonly SendOrPostCallback s_drain = static state => ((RequestFeatures)state!).Drain();

    /// <summary>The next flush returns IsCanceled, as PipeWriter.CancelPendingFlush promises; the bytes still go.</summary>
    public void CancelPendingFlush() => _flushCanceled = true;

    /// <summary>On the reactor: what the app flushed goes to the exchange; while the client pushes back, later flushes wait.</summary>
    private void Drain()
    {
        var exchange = Exchange;
        if (exchange is null || exchange.RequestAborted.IsCancellationRequested)
        {
            _outbox.Drop();
            return;
        }
        try
        {
            SendHeadOnce(exchange);
            _outbox.WriteTo(exchange);
            if (!_outbox.IsHeld)
            {
                var backpressure = exchange.FlushStreamedAsync(CancellationToken.None);
                if (!backpressure.IsCompleted)
                {
                    _outbox.Hold();
                    _pendingFlush = backpressure;
                    backpressure.GetAwaiter().UnsafeOnCompleted(_onPendingFlushDone ??= OnBackpressureDone);
                    return;
                }
                if (ResponseOutbox.ClientGone(backpressure))
                {
                    _outbox.Drop();
                    return;
                }
            }
            _outbox.WakeIfRoom();
        }
        catch (Exception exception)
        {
            // A header the exchange refuses, a body longer than declared: the response cannot go on.
            LogFailure(exception);
            _outbox.Drop();
            exchange.Connection?.Abort(ConnectionError.ErrorAfterStartingResponse);
        }
    }

    /// <summary>On the reactor: the connection took what was held back (or the client left); a finish that waited goes on.</summary>
    private void OnBackpressureDone()
    {
        var backpressure = _pendingFlush;
        _pendingFlush = default;
        _outbox.Release(gone: ResponseOutbox.ClientGone(backpressure));
        FinishIfWaiting();
    }

    private void SendHeadOnce(HttpExchange exchange)
    {
        if (!_headSent)
        {
            SendHead(exchange);
            exchange.StartStreaming(ResponseHeaders.ContentLength ?? -1);
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);
}
