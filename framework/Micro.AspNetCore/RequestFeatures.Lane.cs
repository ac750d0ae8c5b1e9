namespace Micro.AspNetCore;

/// <summary>
/// A request's first part on its connection's lane (thread pool scheduling): from the start of the application until
/// it first waits, on the lane's thread. Most requests complete there; their whole response is then packed into the
/// lane's batch (<see cref="LaneBatch"/>) and the run is free for the lane's next request at once. So that nothing
/// of such a request reaches the reactor before its end, a flush in the first part stages the bytes (the response
/// has started for the app, as on Kestrel, and its bytes go with the whole response). If the request goes on after
/// its first part, what was staged is published, ahead of anything the request does next, and a drain is posted.
/// Everything else a request hands the reactor is posted at once, in the order the request does it; only the end of
/// a request that completes in its first part waits for the end of the pass.
/// </summary>
internal abstract partial class RequestFeatures
{
    /// <summary>Largest body packed whole; a larger one goes to the reactor as the run's segments, without a copy.</summary>
    private const int MaxPackedBody = 16 * 1024;

    [ThreadStatic]
    private static RequestFeatures? t_firstPart;

    /// <summary>On the lane: the application's first part is running on this thread.</summary>
    protected void EnterFirstPart() => t_firstPart = this;

    /// <summary>
    /// On the lane, when the application returned (completed or waiting): the first part is over. If it went on,
    /// what it staged is published now (the request's next part may already run elsewhere; the outbox's lock orders them).
    /// </summary>
    protected void LeaveFirstPart(bool completed)
    {
        t_firstPart = null;
        if (!completed)
        {
            PublishStaged();
        }
    }

    private bool InFirstPart => t_firstPart == this;

    /// <summary>Staged bytes join the outbox, and a drain is posted for them (now: it must not wait behind the pass).</summary>
    private void PublishStaged()
    {
        if (_outbox.PublishStaged() && _outbox.ScheduleDrain())
        {
            Reactor.Post(s_drain, this);
        }
    }

    /// <summary>
    /// Work for the reactor that nothing waits for, posted now, after whatever the request staged (published first).
    /// Only the end of a request that completed in its first part waits for the end of its lane's pass (<paramref name="lastOfFirstPart"/>):
    /// nothing of the request can follow it, so nothing can overtake what the pass keeps back.
    /// </summary>
    private void PostToReactor(SendOrPostCallback callback, bool lastOfFirstPart = false)
    {
        PublishStaged();
        if (lastOfFirstPart && ConnectionLane.BatchFor(Reactor) is { } batch)
        {
            batch.Add(callback, this);
            return;
        }
        Reactor.Post(callback, this);
    }

    private bool _headersChecked;
    private readonly EncodedHead _encodedHead = new();

    /// <summary>
    /// Off the reactor, when the response starts (its first flush): the headers become read-only, as on Kestrel, and
    /// are checked and encoded here, so a header the exchange would refuse fails the app's call (a 500: nothing was
    /// sent), not the connection later, when the reactor writes the head; a packed response takes the lines as they are.
    /// </summary>
    private void CheckHeadersOnStart()
    {
        if (_headersChecked)
        {
            return;
        }
        _responseHeaders.IsReadOnly = true;
        _encodedHead.Encode(ResponseHeaders, _headerBytes);
        _ = OwnReasonPhrase();
        _headersChecked = true;
    }

    /// <summary>Ready for another request.</summary>
    private void ResetLane()
    {
        _headersChecked = false;
        _encodedHead.Reset();
    }

    /// <summary>A flush in the first part, while what is staged stays under the outbox's pause threshold: kept for the end of the request.</summary>
    private bool TryStageFlush()
    {
        if (!InFirstPart || _outbox.StagedBytes + _responseWriter.UnflushedBytes > ResponseOutbox.PauseThreshold)
        {
            return false;
        }
        _responseWriter.MoveTo(_outbox, stage: true);
        return true;
    }

    /// <summary>
    /// On the lane, the application having completed in its first part: the whole response into the lane's batch, so
    /// the reactor needs nothing of this run; false when it must be finished by the run on the reactor (trailers, a
    /// file, a large body, a Content-Length the body does not match, a header the exchange would refuse, a reason
    /// phrase of the app's own, anything already posted).
    /// </summary>
    protected bool TryPackResponse(PendingRequest pending, Microsoft.Extensions.Logging.ILogger logger, out Exception? refused)
    {
        refused = null;
        var exchange = Exchange;
        if (exchange is null || _headSent || HasTrailers || _file is not null || _outbox.HasPublished
            || ConnectionLane.BatchFor(Reactor) is not { } batch)
        {
            return false;
        }
        if (ReasonPhrase is not null)
        {
            try
            {
                _ = OwnReasonPhrase(); // the long way, but checked here: the reactor would have to cut the connection
            }
            catch (InvalidOperationException exception)
            {
                LogFailure(exception);
                refused = exception;
            }
            return false;
        }
        var written = _outbox.StagedBytes + _responseWriter.UnflushedBytes;
        var declared = ResponseHeaders.ContentLength;
        var bodyless = declared is { } length && SendsNoBodyFor(length, exchange) ? length : -1;
        if (written > MaxPackedBody || (bodyless < 0 && declared is { } expected && expected != written))
        {
            return false;
        }
        var start = batch.Used;
        try
        {
            _responseHeaders.IsReadOnly = true;
            if (!_headersChecked || _replacedResponseHeaders is not null) // a replaced dictionary may have changed since
            {
                _encodedHead.Encode(ResponseHeaders, _headerBytes);
            }
            batch.Append(_encodedHead.Lines);
            var headLength = _encodedHead.Length;
            var serverLength = -1;
            if (_encodedHead.HasServer)
            {
                batch.Append(_encodedHead.ServerValue);
                serverLength = _encodedHead.ServerValue.Length;
            }
            var bodyLength = 0;
            if (bodyless < 0)
            {
                foreach (var (array, count) in _outbox.Staged)
                {
                    batch.Append(array.AsSpan(0, count));
                }
                _responseWriter.Drain(batch, static (target, bytes) => target.Append(bytes));
                bodyLength = (int)written;
            }
            batch.AddPacked(new PackedResponse(pending, _statusCode, CloseAfterResponse || _encodedHead.Close, start, headLength, serverLength, bodyLength, bodyless, logger));
        }
        catch (ArgumentException exception)
        {
            batch.Truncate(start); // a header the exchange refuses: logged, and the request answered as failed (500: nothing was sent)
            LogFailure(exception);
            refused = exception;
            return false;
        }
        _outbox.ReleaseStaged();
        _responseWriter.Release();
        return true;
    }
}
