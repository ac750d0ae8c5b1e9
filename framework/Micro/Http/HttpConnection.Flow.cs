namespace Micro.Http;

/// <summary>
/// Flow control of the connection: whether another request may begin, a body's start (100 Continue, buffered or
/// streamed), refusals answered in line, a streamed body's handler making room, streaming responses waiting for room
/// or their turn, and responses held back going out. Its own state is the 100 Continue a streamed body's client is
/// owed and the delegates it hands the body pipe; the connection's other fields are written in HttpConnection.cs.
/// </summary>
internal sealed partial class HttpConnection
{
    private static readonly byte[] ContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    /// <summary>Whether another request may begin now; when not, why is recorded (a pause, or the output being full, which the transport watches).</summary>
    private bool MayStartRequest()
    {
        if (_reader.Phase is not (ReaderPhase.Idle or ReaderPhase.Head))
        {
            return true; // a body under way is read regardless
        }
        if (_line.Count >= _state.Options.MaxPipelinedRequests)
        {
            Pause(ReadPause.PipelineFull);
            return false;
        }
        if (_transport.IsOutputFull)
        {
            return false; // the transport sends, and hands back the rest once there is room
        }
        if (!_line.IsEmpty && _line.HeldBytes() > _state.Options.MaxResponseBufferSize)
        {
            // Responses waiting behind an unfinished one hold this much already: run no more handlers until they have
            // gone out, or a few bytes of requests could make the server hold megabytes.
            Pause(ReadPause.ResponsesHeld);
            _transport.NotifyWhenDrained();
            return false;
        }
        return true;
    }

    /// <summary>
    /// A body begins: 100 Continue when it would not overtake a response still owed, then buffered or streamed as the
    /// app says. False when reading stops here (the pipe is full, the body failed, the request was refused).
    /// </summary>
    private bool StartBody(HttpExchange exchange, byte[] buffer, int length, ref int offset)
    {
        var expectsContinue = exchange.Head.ExpectContinue && (_reader.BodyRemaining < 0 || _reader.BytesAhead < _reader.BodyRemaining);
        var readerMoved = _bodyReaderMoved ??= BodyReaderMoved;
        var mode = _reader.ChooseBodyMode(readerMoved, expectsContinue ? readerMoved : null);
        _continueOwed = expectsContinue && mode == ReadStep.StreamingRequest; // sent when its handler first waits for the body
        if (expectsContinue && mode == ReadStep.NeedMore && _line.IsEmpty)
        {
            // Buffered: the body is read before the handler runs, so it is asked for now (not over a response still owed).
            _transport.Output.Write(ContinueResponse);
            _transport.Flush();
        }
        switch (mode)
        {
            case ReadStep.StreamingRequest:
                // What of the body has arrived goes into the pipe before the handler runs: a small body (a pipelined
                // chunked POST) is then read at once, and its pipe is done with before the next request is read,
                // instead of every request of the batch holding a pipe and waiting for its turn to read.
                var step = offset < length ? _reader.Read(buffer, length, ref offset, mayStartRequest: false) : ReadStep.NeedMore;
                Dispatch(exchange); // the handler runs now and reads the rest of the body as it arrives
                switch (step)
                {
                    case ReadStep.ReaderFull:
                        Pause(ReadPause.BodyReaderFull);
                        return false;
                    case ReadStep.StreamedBodyFailed:
                        OnStreamedBodyFailed();
                        return false;
                }
                return true;
            case ReadStep.Rejected:
                Refuse(exchange);
                return false;
            default:
                return true; // buffered: read on
        }
    }

    /// <summary>Answers a request the reader refused (bad request, too large) after the responses before it, then closes.</summary>
    private void Refuse(HttpExchange exchange)
    {
        var (status, reason, log, error) = _reader.Rejection;
        if (log)
        {
            _state.Log.BadRequest(RemoteEndPoint, status, reason);
        }
        _state.Log.Rejected(RemoteEndPoint, status, reason);
        _transport.NoteEnd(error);
        // A body over the limit is told the limit, in text or as a problem; other refusals say why only as a problem.
        Reject(exchange, status, status == 413 ? $"The request body is larger than the limit of {_reader.BodyLimit} bytes."
            : _state.Options.ProblemDetails ? Sentence(reason) : null);
    }

    /// <summary>The reader's reason ("the declared body is larger than the limit") as a sentence, for a problem body.</summary>
    private static string Sentence(string reason) => reason.Length == 0 ? reason : char.ToUpperInvariant(reason[0]) + reason[1..] + ".";

    private void Reject(HttpExchange exchange, int statusCode, string? detail = null)
    {
        _line.Join(exchange, this);
        exchange.CompleteWithError(statusCode, detail);
        _reader.Stop();
        ReleaseCompleted();
    }

    private Action? _bodyReaderMoved; // made once per connection, not per streamed body
    private bool _continueOwed; // a streamed body's client expects 100 Continue and has not had it

    /// <summary>
    /// The client waits for 100 Continue before it sends the body, and nothing of it has come: the server holds it,
    /// so its body's clock stands still (as Kestrel times a body only once the app reads it).
    /// </summary>
    private bool ContinueHoldsTheClient => _continueOwed && !_reader.BodyHasBegun;

    private void SendOwedContinue()
    {
        if (!_continueOwed || _phase != ConnectionPhase.Serving)
        {
            return;
        }
        _continueOwed = false;
        if (_reader.StreamingExchange is not { HasStarted: false } exchange || _line.First != exchange)
        {
            return; // answered already, or a response before it is still owed, which a 100 would overtake
        }
        _transport.Output.Write(ContinueResponse);
        _transport.Flush();
        _reader.RestartBodyClock(_state.Reactor.Now); // the client's time starts now
    }

    /// <summary>The streamed body's handler is done with it: a 100 Continue not sent by now never will be (the body is drained on the client's clock).</summary>
    private void ForgetOwedContinue() => _continueOwed = false;

    /// <summary>
    /// A streamed body's reader moved on, on whichever thread it reads: it made room in a full pipe, or it waits for
    /// bytes its client may hold back until 100 Continue. The reactor then resumes reading, or sends the 100 owed.
    /// </summary>
    private void BodyReaderMoved()
    {
        if (_state.Reactor.IsOnReactorThread)
        {
            AfterBodyReaderMoved();
        }
        else
        {
            _state.Reactor.Post(static connection => ((HttpConnection)connection!).AfterBodyReaderMoved(), this);
        }
    }

    private void AfterBodyReaderMoved()
    {
        ResumeBody();
        SendOwedContinue();
    }

    private void ResumeBody()
    {
        if (!IsPaused(ReadPause.BodyReaderFull) || _phase != ConnectionPhase.Serving)
        {
            return; // a connection closing after its responses reads nothing more
        }
        // The time the handler took to read was the server's: the client's data-rate clock starts again.
        _reader.RestartBodyClock(_state.Reactor.Now);
        Resume(ReadPause.BodyReaderFull);
    }

    /// <summary>After a streamed chunk: waits for room or for its turn (<see cref="ResponseLine.AfterStreamedWrite"/>); throws when the client is gone.</summary>
    internal ValueTask FlushStreaming(HttpExchange exchange, CancellationToken cancellationToken)
    {
        if (_phase == ConnectionPhase.Closed)
        {
            return ValueTask.FromException(ClientGone());
        }
        var wait = _line.AfterStreamedWrite(exchange, cancellationToken);
        return _phase == ConnectionPhase.Closed ? ValueTask.FromException(ClientGone()) : wait;
    }

    /// <summary>What the front response has written leaves with the reactor's next send (a response a host ended early).</summary>
    internal void SendSoon() => _transport.FlushSoon();

    public void OnOutputDrained()
    {
        _line.OnDrained();
        ResumeIfResponsesWentOut();
    }

    /// <summary>
    /// Dispatching resumes once what was held back has mostly gone out (a quarter of the limit, as the transport's
    /// low-water mark). Until then a drain notice stays armed: held responses can all leave in one send when the slow
    /// one before them finishes, and with no producer waiting, nothing else would ever look again.
    /// </summary>
    private void ResumeIfResponsesWentOut()
    {
        if (!IsPaused(ReadPause.ResponsesHeld))
        {
            return;
        }
        if (_line.HeldBytes() <= _state.Options.MaxResponseBufferSize / 4)
        {
            Resume(ReadPause.ResponsesHeld);
        }
        else
        {
            _transport.NotifyWhenDrained();
        }
    }
}
