using System.IO.Pipelines;
using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// How a request's response ends: the app returned (or threw), a file was sent whole with sendfile, or the app
/// aborted the connection. Each is done on the exchange's reactor. The end of a response is posted there and the
/// app's side goes on (OnCompleted callbacks, disposing the context) without waiting; a file and an upgrade wait.
/// </summary>
internal abstract partial class RequestFeatures
{
    private Exception? _failure;
    private Action<RequestFeatures>? _reactorWork;
    private Microsoft.Win32.SafeHandles.SafeFileHandle? _file;
    private long _fileOffset;
    private long _fileLength;
    private long _bodySentAsFile; // the app's: the bytes of a file sent as the whole body, which later writes count against its length
    private bool _abortedByApp; // the app's: HttpContext.Abort was called (the connection's end may not have happened yet)

    /// <summary>The response is over for the exchange (called on the reactor): the run lets the connection move on.</summary>
    protected abstract void OnExchangeDone();

    /// <summary>A failure of the app (or of its response) that the server answers for: logged by the run.</summary>
    protected abstract void LogFailure(Exception exception);

    private bool _finishWaiting; // the reactor's: the finish waits for a held write to go
    private bool _completedEarly; // the app's: CompleteAsync ended the response before the app returned
    private bool _completionWaiting; // the reactor's: that end waits for a held write to go

    /// <summary>
    /// IHttpResponseBodyFeature.CompleteAsync, as on Kestrel: the response ends now, while the app goes on (an answer
    /// sent before slow work that follows it): OnStarting, then the head and all that was written go out with the
    /// body's end (its length, or the last chunk and the trailers), and a write after it throws. The exchange stays
    /// the request's until the app returns, so a response pipelined behind waits for that, as Kestrel runs the next
    /// request only then. Twice is once.
    /// </summary>
    internal async Task CompleteResponseAsync(bool appAwaits = true)
    {
        if (_completedEarly)
        {
            return;
        }
        _completedEarly = true;
        _responseWriter.CompleteForServer();
        MarkStarted();
        try
        {
            if (!HasStartedCallbacksRun && HasStartingCallbacks)
            {
                await RunOnStartingAsync().ConfigureAwait(true);
            }
            await CallOnReactorAsync(static features => features.CompleteEarlyOnReactor()).ConfigureAwait(true);
        }
        catch (Exception exception) when (!appAwaits)
        {
            LogFailure(exception); // an OnStarting callback threw and no one awaits this: said here, and the response ends when the app returns
        }
    }

    /// <summary>On the reactor: the exchange gets the whole response now (after a held write, if there is one); it goes back when the app returns.</summary>
    private void CompleteEarlyOnReactor()
    {
        if (_outbox.IsHeld && Exchange is { } exchange && !exchange.RequestAborted.IsCancellationRequested)
        {
            _completionWaiting = true; // FinishIfWaiting completes it
            return;
        }
        CompleteExchangeEarly();
    }

    private void CompleteExchangeEarly()
    {
        CompleteExchange(failure: null);
        Exchange?.SendCompletedResponse(); // the reactor would send it only with the next request's answer
    }

    private void ResetCompletion() => (_completedEarly, _completionWaiting, _bodySentAsFile, _abortedByApp) = (false, false, 0, false);

    /// <summary>
    /// The app aborted the connection: on the thread pool the abort is posted to the reactor, so what the app throws
    /// right after it (its own cancellation) is known for the abort's consequence by this, not by the token yet.
    /// </summary>
    protected bool AbortedByApp => _abortedByApp;

    /// <summary>
    /// After the app: OnStarting (if the response had not started), then the response is completed on the reactor,
    /// posted: the app's side goes on at once (OnCompleted callbacks, disposing the context) while the reactor sends.
    /// </summary>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder))]
    protected async ValueTask FinishAsync(Exception? failure)
    {
        if (failure is null && !_onStartingRan && _onStarting.Count > 0)
        {
            try
            {
                await RunOnStartingAsync().ConfigureAwait(true);
            }
            catch (Exception exception)
            {
                failure = exception;
            }
        }
        Finish(failure: failure);
    }

    private static readonly SendOrPostCallback s_finish = static state => ((RequestFeatures)state!).FinishOnReactor();

    /// <summary>
    /// The app completed (at once, or after its OnStarting callbacks): its response is finished on the reactor, now, or
    /// posted (with the lane's pass when it completed in its first part there); <paramref name="failure"/>: it cannot be
    /// sent as the app left it (answered as a failed request).
    /// </summary>
    protected void Finish(bool inFirstPart = false, Exception? failure = null)
    {
        if (EndIfSwitched())
        {
            return;
        }
        if (failure is BadHttpRequestException bad)
        {
            NoteBadRequest(bad); // here, before the OnCompleted callbacks that may read it run, as Kestrel keeps it for them
        }
        _failure = failure;
        if (Reactor.IsOnReactorThread)
        {
            FinishOnReactor();
        }
        else
        {
            PostToReactor(s_finish, lastOfFirstPart: inFirstPart);
        }
    }

    /// <summary>On the reactor: the response completes (after a held write, if there is one), then the exchange goes back.</summary>
    private void FinishOnReactor()
    {
        if (_outbox.IsHeld && Exchange is { } exchange && !exchange.RequestAborted.IsCancellationRequested)
        {
            _finishWaiting = true; // OnBackpressureDone finishes
            return;
        }
        try
        {
            CompleteExchange(_failure);
        }
        finally
        {
            _failure = null;
            ReleaseExchange();
            OnExchangeDone(); // may hand the run back to its pool (when the app's side is done): nothing of it is touched after
        }
    }

    /// <summary>On the reactor: the exchange gets the response as the app left it, or, after <paramref name="failure"/>, a 500 or a cut connection.</summary>
    private void CompleteExchange(Exception? failure)
    {
        var exchange = Exchange;
        if (exchange is null || exchange.RequestAborted.IsCancellationRequested || exchange.IsCompleted)
        {
            if (failure is not null && exchange is { IsCompleted: true, HasStarted: true })
            {
                exchange.Fail(); // a file answered the request, then the app failed: as on Kestrel, the connection is not used again
            }
            _responseWriter.Release(); // the client is gone, or a file answered the request
            _outbox.Drop();
            return;
        }
        if (failure is null)
        {
            try
            {
                FinishWell(exchange);
                return;
            }
            catch (Exception exception)
            {
                LogFailure(exception);
                failure = exception;
            }
        }
        _responseWriter.Release();
        _outbox.Drop();
        if (!exchange.HasStarted && failure is BadHttpRequestException bad)
        {
            // The body could not be read: its status, and the connection closes. Too large is the server's own finding
            // (the request's limit); a body cut short or malformed the engine noted as it read it.
            exchange.CompleteWithError(bad.StatusCode, error: bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? ConnectionError.MaxRequestBodySizeExceeded : ConnectionError.None);
        }
        else
        {
            // A 500 if nothing was sent, else the connection is cut: the client must not take a partial body for a whole one.
            exchange.Fail(failure is ContentLengthMismatchException ? ConnectionError.ResponseContentLengthMismatch : ConnectionError.ErrorAfterStartingResponse);
        }
    }

    private void FinishWell(HttpExchange exchange)
    {
        if (_headSent)
        {
            _outbox.WriteTo(exchange);
            _responseWriter.Drain(exchange, static (target, bytes) => target.WriteStreamed(bytes));
            if (ResponseHeaders.ContentLength is { } promised && !SendsNoBodyFor(promised, exchange) && exchange.ResponseBodyLength < promised)
            {
                // As Kestrel says it: the connection is cut (the client must not wait for bytes that never come), and the app's mistake logged.
                throw new ContentLengthMismatchException($"Response Content-Length mismatch: too few bytes written ({exchange.ResponseBodyLength} of {promised}).");
            }
            exchange.Complete(HasTrailers ? TrailerLines() : default);
            return;
        }
        SendHead(exchange);
        var written = _responseWriter.UnflushedBytes;
        if (HasTrailers && ResponseHeaders.ContentLength is null && AllowsBody(_statusCode))
        {
            exchange.StartStreaming(-1); // trailers need the chunked coding, even for a body written whole
            _responseWriter.Drain(exchange, static (target, bytes) => target.WriteStreamed(bytes));
            exchange.Complete(TrailerLines());
            return;
        }
        if (ResponseHeaders.ContentLength is { } declared && SendsNoBodyFor(declared, exchange))
        {
            exchange.StartStreaming(declared); // HEAD says how long GET's body would be, and sends none
            _responseWriter.Release();
        }
        else if (ResponseHeaders.ContentLength is { } length && length != written)
        {
            throw new InvalidOperationException(written < length
                ? $"Response Content-Length mismatch: too few bytes written ({written} of {length})."
                : $"Response Content-Length mismatch: too many bytes written ({written} of {length}).");
        }
        else
        {
            _responseWriter.Drain(exchange, static (target, bytes) => target.Write(bytes)); // sent with its Content-Length
        }
        exchange.Complete();
    }

    private static bool AllowsBody(int statusCode) => statusCode is not (204 or 304) && statusCode >= 200;

    /// <summary>
    /// Whether a declared Content-Length is sent without a body: a HEAD's and a 304's tell the length a GET's 200 would
    /// have (RFC 9110 section 8.6); a 204 has no content, so only 0 is true of it. A 204 declaring more is the app's
    /// mistake, answered as Kestrel answers it: too few bytes written, a 500.
    /// </summary>
    private bool SendsNoBodyFor(long declared, HttpExchange exchange) =>
        exchange.IsHeadRequest || _statusCode == 304 || (!AllowsBody(_statusCode) && declared == 0);

    /// <summary>
    /// A write to a body its status forbids (204, 304), or past the Content-Length the app set, is the app's mistake,
    /// reported where it writes, as Kestrel reports it, whichever the schedule: on the thread pool the bytes would
    /// otherwise wait for the response's end and be dropped there, far from the write. A HEAD's body is dropped
    /// silently, as on Kestrel (held to its Content-Length all the same).
    /// </summary>
    internal void VerifyBodyWrite(long writtenWithThis)
    {
        if (!AllowsBody(_statusCode))
        {
            throw new InvalidOperationException($"Writing to the response body is invalid for responses with status code {_statusCode}.");
        }
        if (ResponseHeaders.ContentLength is { } declared && writtenWithThis + _bodySentAsFile > declared)
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({writtenWithThis + _bodySentAsFile} of {declared}).");
        }
    }

    /// <summary>
    /// SendFileAsync: a file that is the whole body goes from the page cache to the socket (sendfile); otherwise it is
    /// copied through the body stream, as Kestrel copies every file. Whole means nothing was written before it and the
    /// app declared its length as the Content-Length (as the static files middleware and Results.File do): without that,
    /// the app may write more after it (a second file, a footer), which must follow it in the body.
    /// </summary>
    private async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException("The file to send does not exist.", path);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset, info.Length);
        var length = count ?? info.Length - offset;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, info.Length - offset, nameof(count));
        cancellationToken.ThrowIfCancellationRequested();
        if (_headSent || _flushedOffReactor || _responseWriter.UnflushedBytes > 0 || ResponseHeaders.ContentLength != length)
        {
            await SendFileFallback.SendFileAsync(_responseStream, path, offset, count, cancellationToken).ConfigureAwait(true);
            return;
        }
        MarkStarted();
        if (!_onStartingRan)
        {
            await RunOnStartingAsync().ConfigureAwait(true);
        }
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        (_fileOffset, _fileLength, _bodySentAsFile) = (offset, length, length);
        await CallOnReactorAsync(static features =>
        {
            var file = features._file!;
            features._file = null;
            var exchange = features.Exchange;
            if (exchange is null || exchange.RequestAborted.IsCancellationRequested)
            {
                file.Dispose();
                return;
            }
            features.SendHead(exchange);
            exchange.RespondWithFile(file, features._fileOffset, features._fileLength); // the exchange owns the handle now
        }).ConfigureAwait(true);
    }

    /// <summary>HttpContext.Abort: the connection closes now (on its reactor), and RequestAborted fires.</summary>
    protected void Abort()
    {
        if (_connection is not { } connection)
        {
            return;
        }
        _abortedByApp = true;
        if (Reactor.IsOnReactorThread)
        {
            connection.Abort(ConnectionError.AbortedByApp);
        }
        else
        {
            Reactor.Post(static state => ((HttpConnection)state!).Abort(ConnectionError.AbortedByApp), connection);
        }
    }

    /// <summary>Runs <paramref name="work"/> on the reactor (at once when already there) and completes after it.</summary>
    private ValueTask<FlushResult> CallOnReactorAsync(Action<RequestFeatures> work)
    {
        if (Reactor.IsOnReactorThread)
        {
            work(this);
            return default;
        }
        _reactorWork = work;
        _flush.Reset();
        PublishStaged(); // what was flushed goes before
        Reactor.Post(static state =>
        {
            var features = (RequestFeatures)state!;
            var work = features._reactorWork!;
            features._reactorWork = null;
            try
            {
                work(features);
                features._flush.SetResult(default);
            }
            catch (Exception exception)
            {
                features._flush.SetException(exception);
            }
        }, this);
        return new ValueTask<FlushResult>(this, _flush.Version);
    }

    /// <summary>On the reactor, once a held write went: an early end (CompleteAsync), then a finish, that waited for it go on.</summary>
    private void FinishIfWaiting()
    {
        if (_completionWaiting)
        {
            _completionWaiting = false;
            CompleteExchangeEarly();
        }
        if (_finishWaiting)
        {
            _finishWaiting = false;
            FinishOnReactor();
        }
    }

    /// <summary>A started response ended shorter than its Content-Length: an app's mistake, told apart for the metrics' error.type.</summary>
    private sealed class ContentLengthMismatchException(string message) : InvalidOperationException(message);
}
