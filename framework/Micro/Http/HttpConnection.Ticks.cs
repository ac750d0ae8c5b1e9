using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// The connection's clock at work: the reactor's tick (every timeout, decided by <see cref="ConnectionTimeouts"/>), the
/// client's FIN, and the server stopping. Declares no state: the connection's fields are written in HttpConnection.cs.
/// </summary>
internal sealed partial class HttpConnection
{
    public void OnInputEnded()
    {
        if (_reader.Phase is ReaderPhase.Body or ReaderPhase.StreamedBody)
        {
            _transport.NoteEnd(ConnectionError.UnexpectedEndOfRequestContent);
        }
        if (IsStreamingAResponse)
        {
            LeaveAStreamingResponse();
            return;
        }
        if (_state.Options.ClientFinAbortsRequests && !_line.IsEmpty)
        {
            Abort(ConnectionError.None); // the client is gone, as Kestrel takes a FIN: req.Aborted cancels, and no answer is owed
            return;
        }
        if (_reader.IsStreaming)
        {
            _reader.FailStreamedBody(400, "The connection ended before the request body was complete.", log: false, ConnectionError.UnexpectedEndOfRequestContent);
            OnStreamedBodyFailed();
        }
        _reader.Stop();
        if (_line.IsEmpty)
        {
            CloseAfterResponses();
        }
    }

    public void OnTick(long now)
    {
        var sinceLastTick = _clock.Tick(now);
        // The server's time: its output is full, it stopped reading, or a handler ahead of the client's next request
        // still runs (Kestrel starts the head's clock only when it starts reading that request). Not a streamed
        // upload's own handler: that one runs by design while its body arrives, on the client's clock.
        var serverHolds = _transport.IsOutputFull || IsPaused(ReadPause.PipelineFull | ReadPause.ResponsesHeld) || (!_line.IsEmpty && !_reader.IsStreaming)
            || ContinueHoldsTheClient;
        if (serverHolds)
        {
            // Paused, not restarted: the client keeps the time it had used, and gets none of the server's.
            _clock.Hold(sinceLastTick);
            _reader.HoldClock(sinceLastTick);
        }
        var view = new TimeoutView(
            ClientReadsTooSlowly: _transport.ReadsSlowerThan(_line.MinResponseDataRate(_state.Options.MinResponseDataRate), now),
            Reader: _reader.Phase,
            BodyArrivesTooSlowly: _reader.BodyArrivesTooSlowly(now),
            BodyReaderFull: IsPaused(ReadPause.BodyReaderFull),
            ServerHolds: serverHolds,
            Closing: _phase != ConnectionPhase.Serving,
            ResponsesOwed: !_line.IsEmpty,
            BytesWaiting: _transport.HasBufferedInput,
            OutputEmpty: _transport.Output.IsEmpty,
            Stopping: _state.Stopping);
        switch (ConnectionTimeouts.Decide(view, _clock, now, _state.Options))
        {
            case TimeoutAction.CloseSlowReader:
                Close("the client reads the response slower than the minimum data rate", ConnectionError.MinResponseDataRate); // no answer can reach it
                break;
            case TimeoutAction.FailStreamedBody:
                _state.Log.Timeout(RemoteEndPoint, "the request body arrives slower than the minimum data rate");
                _reader.FailStreamedBody(408, "The request body arrived slower than the minimum data rate.", log: false, ConnectionError.MinRequestBodyDataRate);
                OnStreamedBodyFailed();
                break;
            case TimeoutAction.TimeOutBody:
                TimeOut("the request body arrives slower than the minimum data rate", ConnectionError.MinRequestBodyDataRate);
                break;
            case TimeoutAction.TimeOutHead:
                TimeOut("the request head did not arrive within the headers timeout", ConnectionError.RequestHeadersTimeout);
                break;
            case TimeoutAction.CloseIdleAtShutdown:
                CloseIdleAtStop(); // stopping, and no request came in the grace (ConnectionTimeouts.IdleGraceOnStop)
                break;
            case TimeoutAction.CloseIdle:
                Close("idle past the keep-alive timeout", ConnectionError.KeepAliveTimeout);
                break;
            case TimeoutAction.None when _state.Stopping && IsIdle:
                CloseWhenGraceEnds(); // its grace is not over yet
                break;
        }
    }

    /// <summary>The request being read is answered 408 after the responses owed, and the connection closes.</summary>
    private void TimeOut(string reason, ConnectionError error)
    {
        _state.Log.Timeout(RemoteEndPoint, reason);
        _transport.NoteEnd(error);
        _state.Log.Rejected(RemoteEndPoint, 408, reason);
        Reject(_reader.TakeForTimeout(), 408);
    }

    /// <summary>The client shut its side while reading was paused: one being streamed a response has gone (see below).</summary>
    public void OnPeerShutWhilePaused()
    {
        if (IsStreamingAResponse)
        {
            LeaveAStreamingResponse();
        }
    }

    /// <summary>
    /// A response has started and is being streamed (an event stream, a download written as it is made), and it is all
    /// the client is owed: a client that pipelined more requests behind it and then shut its side wants their answers.
    /// </summary>
    private bool IsStreamingAResponse => _line.First is { IsCompleted: false, HasStarted: true } && !_reader.IsStreaming
        && _line.Count == 1 && !HasRequestsAhead;

    /// <summary>
    /// A client that shuts its side while its response streams has gone: it is not waiting for more of a stream that
    /// has no end (an event stream would sit in CLOSE-WAIT until its next write, or for ever). The connection closes,
    /// so the handler's req.Aborted fires and its writes fail. A half-closed client of an ordinary request is still answered.
    /// </summary>
    private void LeaveAStreamingResponse() => Abort(ConnectionError.None);

    /// <summary>
    /// Cancelled when this connection's requests should end: the client went, or the server's graceful stop began.
    /// An event stream ends with it (<c>events.Closing</c>). Made when first asked for.
    /// </summary>
    public CancellationToken Closing => _phase == ConnectionPhase.Closed || _state.Stopping
        ? new CancellationToken(canceled: true)
        : (_closingSource ??= new CancellationTokenSource()).Token;

    private CancellationTokenSource? _closingSource;

    /// <summary>The requests of this connection should end now (closed, or the server stops).</summary>
    private void CancelClosing()
    {
        if (_closingSource is { IsCancellationRequested: false } closing)
        {
            try
            {
                closing.Cancel();
            }
            catch (AggregateException exception)
            {
                _state.Log.AbortCallbackFailed(RemoteEndPoint, exception);
            }
        }
    }

    public void OnStopping()
    {
        CancelClosing();
        // A request partly received is in flight as far as its client knows: it is finished and answered, with
        // Connection: close (the head timeout and the body's minimum rate still bound how long that may take).
        if (!IsIdle)
        {
            return;
        }
        if (!_clock.IdleLongerThan(_state.Reactor.Now, ConnectionTimeouts.IdleGraceOnStop))
        {
            CloseWhenGraceEnds();
        }
        else if (_transport.Output.IsEmpty)
        {
            CloseIdleAtStop();
        }
        else
        {
            CloseAfterResponses(); // the last answer is still leaving: it goes first, and the close lingers for it
        }
    }

    /// <summary>Serving, nothing being read or owed, nothing received and not read: between two requests.</summary>
    private bool IsIdle => _phase == ConnectionPhase.Serving && _reader.Phase is ReaderPhase.Idle or ReaderPhase.Done && _line.IsEmpty
        && !_transport.HasBufferedInput;

    /// <summary>
    /// At a stop, a connection used within its grace is closed by the tick after the grace ends (ConnectionTimeouts);
    /// the reactor ticks then rather than up to a second later, so a stop waits about the grace, not the grace and a tick.
    /// Only for a grace still to end: one past (its last answer still leaving) waits for the ordinary ticks, never a spin.
    /// </summary>
    private void CloseWhenGraceEnds()
    {
        var graceEnds = _clock.IdleLongerThanFrom(ConnectionTimeouts.IdleGraceOnStop);
        if (graceEnds > _state.Reactor.Now)
        {
            _state.Reactor.TickNoLaterThan(graceEnds);
        }
    }
}
