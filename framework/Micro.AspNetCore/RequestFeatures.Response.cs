using System.IO.Pipelines;
using System.Threading.Tasks.Sources;
using Micro.Http;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
    private readonly HttpResponsePipeWriter _responseWriter;
    private readonly HttpResponseStream _responseStream;
    private readonly HeaderDictionary _responseHeaders = new();
    private readonly List<KeyValuePair<Func<object, Task>, object>> _onStarting = [];
    private readonly List<KeyValuePair<Func<object, Task>, object>> _onCompleted = [];
    private IHeaderDictionary? _replacedResponseHeaders;
    private Stream? _replacedResponseBody;
    private int _statusCode = StatusCodes.Status200OK;
    private bool _started;
    private bool _onStartingRan;
    private bool _headSent; // the exchange has the head: status and headers are fixed
    private ManualResetValueTaskSourceCore<FlushResult> _flush = new() { RunContinuationsAsynchronously = true };
    private CancellationToken _flushCancellation;
    private ValueTask _pendingFlush;
    private Action? _onPendingFlushDone;

    /// <summary>The rest of the request body will not be read: the connection closes after the response.</summary>
    public bool CloseAfterResponse { get; set; }

    public HttpResponsePipeWriter BodyWriter => _responseWriter;

    private void ResetResponse()
    {
        _responseWriter.Reset();
        _responseHeaders.IsReadOnly = false;
        _responseHeaders.Clear();
        _onStarting.Clear();
        _onCompleted.Clear();
        _replacedResponseHeaders = null;
        _replacedResponseBody = null;
        _statusCode = StatusCodes.Status200OK;
        ReasonPhrase = null;
        _started = _onStartingRan = _headSent = _flushCanceled = false;
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
            throw new InvalidOperationException("Cannot register OnStarting callbacks after the response has started.");
        }
        _onStarting.Add(new(callback, state));
    }

    public void OnCompleted(Func<object, Task> callback, object state) => _onCompleted.Add(new(callback, state));

    protected bool HasCompletionCallbacks => _onCompleted.Count > 0;

    Stream IHttpResponseBodyFeature.Stream => _responseStream;

    PipeWriter IHttpResponseBodyFeature.Writer => _responseWriter;

    /// <summary>Nothing is held back but what the app has not flushed: there is no buffering to turn off.</summary>
    void IHttpResponseBodyFeature.DisableBuffering()
    {
    }

    Task IHttpResponseBodyFeature.StartAsync(CancellationToken cancellationToken) => FlushAsync(cancellationToken).AsTask();

    Task IHttpResponseBodyFeature.SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken) =>
        SendFileAsync(path, offset, count, cancellationToken);

    Task IHttpResponseBodyFeature.CompleteAsync() => FlushAsync(CancellationToken.None).AsTask();

    public void ThrowIfSynchronousIODisallowed(string what)
    {
        if (!AllowSynchronousIO)
        {
            throw new InvalidOperationException($"Synchronous {what} are disallowed. Use the asynchronous methods or set AllowSynchronousIO to true.");
        }
        if (Reactor.IsOnReactorThread)
        {
            throw new InvalidOperationException($"Synchronous {what} would block the reactor this request runs on (ApplicationScheduling.Inline): use the asynchronous methods.");
        }
    }

    /// <summary>Runs the OnStarting callbacks, last registered first, once.</summary>
    private async ValueTask RunOnStartingAsync()
    {
        _onStartingRan = true;
        for (var i = _onStarting.Count - 1; i >= 0; i--)
        {
            await _onStarting[i].Key(_onStarting[i].Value).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the OnCompleted callbacks, last registered first; one that throws does not stop the others.</summary>
    protected async ValueTask RunOnCompletedAsync(Action<Exception> failed)
    {
        for (var i = _onCompleted.Count - 1; i >= 0; i--)
        {
            try
            {
                await _onCompleted[i].Key(_onCompleted[i].Value).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                failed(exception);
            }
        }
    }

    /// <summary>Hands what the app has written to the exchange (the head first) and completes when the client can take more.</summary>
    public ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken)
    {
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
        _flushCancellation = cancellationToken;
        _flush.Reset();
        Reactor.Post(static state => ((RequestFeatures)state!).FlushPosted(), this);
        return new ValueTask<FlushResult>(this, _flush.Version);
    }

    private async ValueTask<FlushResult> FlushAfterOnStartingAsync(CancellationToken cancellationToken)
    {
        await RunOnStartingAsync().ConfigureAwait(false);
        return await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<FlushResult> FlushHereAsync(CancellationToken cancellationToken)
    {
        var gone = !Flush(out var backpressure, cancellationToken);
        try
        {
            await backpressure.ConfigureAwait(false);
        }
        catch (ConnectionResetException)
        {
            gone = true;
        }
        return FlushOutcome(gone);
    }

    private volatile bool _flushCanceled;

    /// <summary>The flush in progress (or the next) returns IsCanceled, as PipeWriter.CancelPendingFlush promises; the bytes still go.</summary>
    public void CancelPendingFlush() => _flushCanceled = true;

    private FlushResult FlushOutcome(bool gone)
    {
        var canceled = _flushCanceled;
        _flushCanceled = false;
        return new FlushResult(canceled, isCompleted: gone);
    }

    /// <summary>On the reactor, for a flush posted from the app's thread.</summary>
    private void FlushPosted()
    {
        try
        {
            if (!Flush(out var backpressure, _flushCancellation))
            {
                _flush.SetResult(FlushOutcome(gone: true));
                return;
            }
            if (backpressure.IsCompleted)
            {
                CompleteFlush(backpressure);
                return;
            }
            _pendingFlush = backpressure;
            backpressure.GetAwaiter().UnsafeOnCompleted(_onPendingFlushDone ??= () => CompleteFlush(_pendingFlush));
        }
        catch (Exception exception)
        {
            _flush.SetException(exception);
        }
    }

    private void CompleteFlush(ValueTask backpressure)
    {
        _pendingFlush = default;
        try
        {
            backpressure.GetAwaiter().GetResult();
            _flush.SetResult(FlushOutcome(gone: false));
        }
        catch (ConnectionResetException)
        {
            _flush.SetResult(FlushOutcome(gone: true)); // as on Kestrel: the client is gone, writing is pointless, nothing throws
        }
        catch (Exception exception)
        {
            _flush.SetException(exception);
        }
    }

    /// <summary>On the reactor: the head (once) and the unflushed body go to the exchange. False when the client is gone (what was written is dropped).</summary>
    private bool Flush(out ValueTask backpressure, CancellationToken cancellationToken)
    {
        backpressure = default;
        var exchange = Exchange;
        if (exchange is null || exchange.RequestAborted.IsCancellationRequested)
        {
            _responseWriter.Release();
            return false;
        }
        if (!_headSent)
        {
            SendHead(exchange);
            exchange.StartStreaming(ResponseHeaders.ContentLength ?? -1);
        }
        _responseWriter.Drain(exchange, static (target, bytes) => target.WriteStreamed(bytes));
        backpressure = exchange.FlushStreamedAsync(cancellationToken);
        return true;
    }

    /// <summary>On the reactor: status and headers to the exchange. The framing headers are the server's, Server may be the app's.</summary>
    private void SendHead(HttpExchange exchange)
    {
        _headSent = true;
        _responseHeaders.IsReadOnly = true;
        if (CloseAfterResponse)
        {
            exchange.RequireClose();
        }
        exchange.StatusCode = _statusCode;
        foreach (var (name, values) in ResponseHeaders)
        {
            if (name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
                || name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase)
                || name.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.Equals(HeaderNames.Server, StringComparison.OrdinalIgnoreCase))
            {
                exchange.SetServerHeader(System.Text.Encoding.Latin1.GetBytes(values.ToString()));
                continue;
            }
            if (name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase))
            {
                if (values.ToString().Contains("close", StringComparison.OrdinalIgnoreCase))
                {
                    exchange.SetHeader("Connection", "close");
                }
                continue;
            }
            foreach (var value in values)
            {
                exchange.AddHeader(name, value ?? "");
            }
        }
    }

    FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => _flush.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => _flush.GetStatus(token);

    void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _flush.OnCompleted(continuation, state, token, flags);
}
