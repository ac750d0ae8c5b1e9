using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>What <see cref="RequestReader"/> is reading on its connection.</summary>
internal enum ReaderPhase : byte
{
    /// <summary>Between requests: no byte of the next one has arrived.</summary>
    Idle,
    /// <summary>Part of a request head has arrived.</summary>
    Head,
    /// <summary>A request's body is being buffered; its handler runs once it is whole.</summary>
    Body,
    /// <summary>A handler runs while its body arrives through a bounded pipe.</summary>
    StreamedBody,
    /// <summary>No more requests are read on this connection (one said close, was refused, or the client finished).</summary>
    Done,
}

/// <summary>What one step of <see cref="RequestReader.Read"/> came to.</summary>
internal enum ReadStep : byte
{
    /// <summary>The bytes ran out (a head or body is incomplete), or a streamed body's handler has not made room yet.</summary>
    NeedMore,
    /// <summary>A request is whole (its body, if any, buffered): dispatch <see cref="RequestReader.Ready"/>.</summary>
    Request,
    /// <summary>A request's head is here and its body will stream: dispatch <see cref="RequestReader.Ready"/> now.</summary>
    StreamingRequest,
    /// <summary>A request's body has started and its client may wait for 100 Continue: the connection decides.</summary>
    BodyStarted,
    /// <summary>A streamed body is whole: reading goes on with the next request.</summary>
    StreamedBodyDone,
    /// <summary>A streamed body's handler has not read what arrived: stop reading until it makes room.</summary>
    ReaderFull,
    /// <summary>The request is refused with <see cref="RequestReader.Rejection"/>: answer it after those before, then close.</summary>
    Rejected,
    /// <summary>A streamed body cannot be completed (too large, malformed): its handler learns it, the connection closes after.</summary>
    StreamedBodyFailed,
}

/// <summary>
/// Reads one connection's requests in order: a head at a time (into a pooled exchange), then its body, buffered whole
/// or streamed to a handler that runs at once through a bounded <see cref="RequestBodyPipe"/>. Owns everything about
/// the request being read; the connection decides what to do with each step (dispatch, answer, pause, close) and when
/// to ask for the next. The bytes themselves of a body are <see cref="RequestBodyReader"/>'s. A struct inside its
/// connection: no object of its own.
/// </summary>
internal struct RequestReader(HttpReactorState state)
{
    private HttpExchange? _parsing;          // the exchange whose head is arriving (Head)
    private HttpExchange? _receivingBody;    // the exchange whose body is being buffered (Body)
    private RequestBodyReader? _bodyReader;  // made for the connection's first body
    private RequestBodyPipe? _bodyPipe;      // the pipe a streamed body is written to (StreamedBody)
    private HttpExchange? _streamingExchange;

    public ReaderPhase Phase { get; private set; }

    /// <summary>The exchange of the last <see cref="ReadStep.Request"/>, <see cref="ReadStep.StreamingRequest"/> or <see cref="ReadStep.Rejected"/>.</summary>
    public HttpExchange? Ready { get; private set; }

    /// <summary>
    /// The status of the last <see cref="ReadStep.Rejected"/> or <see cref="ReadStep.StreamedBodyFailed"/>, why,
    /// whether it is worth a log line (a malformed request is; a body over the limit is the client's known answer),
    /// and what it makes of the connection's end for the metrics.
    /// </summary>
    public (int Status, string Reason, bool Log, ConnectionError Error) Rejection { get; private set; }

    /// <summary>Bytes of the buffer being read that follow the request just dispatched: requests pipelined behind it.</summary>
    public int BytesAhead { get; private set; }

    /// <summary>True while a streamed body's handler runs and more of its body is to come.</summary>
    public bool IsStreaming => _bodyPipe is not null;

    /// <summary>A body being buffered, or its head, must not point into a receive buffer about to be reused.</summary>
    public void DetachFromReceiveBuffer() => _receivingBody?.DetachFromReceiveBuffer();

    /// <summary>A body being read arrives slower than the minimum data rate.</summary>
    public bool BodyArrivesTooSlowly(long now) => Phase is ReaderPhase.Body or ReaderPhase.StreamedBody
        && _bodyReader!.ArrivesTooSlowly(now, (_streamingExchange ?? _receivingBody)?.MinBodyDataRate(state.Options.MinRequestBodyDataRate) ?? state.Options.MinRequestBodyDataRate);

    /// <summary>Time the server held the client back does not count against its body.</summary>
    public void HoldClock(long milliseconds) => _bodyReader?.HoldClock(milliseconds);

    /// <summary>
    /// The request being read (a head arriving, or a body being buffered), to be answered 408 at a timeout; no more
    /// requests are read after it. A head whose bytes are still with the transport gets an exchange to answer with.
    /// </summary>
    public HttpExchange TakeForTimeout()
    {
        var exchange = _receivingBody ?? _parsing ?? state.RentExchange();
        (_receivingBody, _parsing) = (null, null);
        Phase = ReaderPhase.Done;
        return exchange;
    }

    /// <summary>
    /// One step over <paramref name="buffer"/>[<paramref name="offset"/>..<paramref name="length"/>], moving
    /// <paramref name="offset"/> past what it took. <paramref name="mayStartRequest"/> says whether the connection can
    /// take another request now (else a new head is not begun: bodies under way are still read).
    /// </summary>
    public ReadStep Read(byte[] buffer, int length, ref int offset, bool mayStartRequest)
    {
        Ready = null;
        switch (Phase)
        {
            case ReaderPhase.StreamedBody:
                return ReadStreamedBody(buffer, length, ref offset);
            case ReaderPhase.Body:
                return ReadBody(buffer, length, ref offset);
            case ReaderPhase.Done:
                return ReadStep.NeedMore;
        }
        if (!mayStartRequest)
        {
            return ReadStep.NeedMore; // the connection cannot take another request now (it pauses, and asks again later)
        }
        if (_parsing is null)
        {
            _parsing = state.RentExchange();
            Phase = ReaderPhase.Head;
        }
        var exchange = _parsing;
        var status = RequestParser.Parse(buffer.AsSpan(offset, length - offset), exchange.Head, state.Options.ParserLimits);
        if (status == ParseStatus.Incomplete)
        {
            return ReadStep.NeedMore;
        }
        _parsing = null;
        if (status == ParseStatus.Error)
        {
            var error = exchange.Head.Error;
            return Reject(exchange, error.StatusCode(), error.Describe(), log: true, error.ConnectionEnd());
        }
        var head = exchange.Head;
        exchange.SetRequest(buffer, offset, head.HeadLength);
        offset += head.HeadLength;
        if (head.Framing == BodyFraming.None)
        {
            return Dispatch(exchange, length - offset);
        }
        try
        {
            BodyLimit = state.Options.BodyLimit is { } limitOf ? limitOf(head, exchange.RequestBytes) : state.Options.MaxRequestBodySize;
        }
        catch (Exception exception)
        {
            state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
            return Reject(exchange, 500, "the body limit of the request's route could not be found", log: false, ConnectionError.OtherError);
        }
        if (head.ContentLength > BodyLimit)
        {
            return Reject(exchange, 413, "the declared body is larger than the limit", log: false, ConnectionError.MaxRequestBodySizeExceeded);
        }
        _receivingBody = exchange;
        Phase = ReaderPhase.Body;
        (_bodyReader ??= new RequestBodyReader(state.Options)).Start(head, state.Reactor.Now, BodyLimit);
        Ready = exchange;
        BytesAhead = length - offset;
        return ReadStep.BodyStarted;
    }

    /// <summary>The largest body the request being read may have: the server's limit, or its route's.</summary>
    public long BodyLimit { get; private set; }

    /// <summary>Whether any byte of the body being read has arrived (a client that expects 100 Continue may send it without waiting).</summary>
    public bool BodyHasBegun => _bodyReader?.HasBegun ?? false;

    /// <summary>Bytes of a Content-Length body still to come (-1 for chunked): for 100 Continue.</summary>
    public long BodyRemaining => _bodyReader?.Remaining ?? 0;

    /// <summary>
    /// After <see cref="ReadStep.BodyStarted"/>: whether the app wants this body streamed (its handler runs now); if
    /// so the pipe is set up (<paramref name="onPipeDrained"/> is called, on any thread, when a full pipe has room
    /// again; <paramref name="onReaderWaits"/> once, when its reader first waits) and the exchange is
    /// <see cref="Ready"/> for dispatch. A predicate that throws refuses the request (500).
    /// </summary>
    public ReadStep ChooseBodyMode(Action onPipeDrained, Action? onReaderWaits = null)
    {
        var exchange = _receivingBody!;
        bool stream;
        try
        {
            stream = state.Options.StreamRequestBody?.Invoke(exchange.Head, exchange.RequestBytes) == true;
        }
        catch (Exception exception)
        {
            state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
            _receivingBody = null;
            return Reject(exchange, 500, "the body mode predicate threw", log: false, ConnectionError.OtherError);
        }
        if (!stream)
        {
            return ReadStep.NeedMore; // buffered: read on
        }
        _receivingBody = null;
        _bodyPipe = new RequestBodyPipe(onPipeDrained, onReaderWaits);
        _streamingExchange = exchange;
        _readOnAfterBody = exchange.Head.KeepAlive;
        exchange.SetStreamedBody(_bodyPipe);
        Phase = ReaderPhase.StreamedBody;
        Ready = exchange;
        return ReadStep.StreamingRequest;
    }

    private ReadStep ReadBody(byte[] buffer, int length, ref int offset)
    {
        var exchange = _receivingBody!;
        var progress = _bodyReader!.Buffer(buffer, offset, length, out var consumed, out var body);
        offset += consumed;
        switch (progress)
        {
            case BodyProgress.Complete:
                exchange.SetBody(body, _bodyReader.Trailers);
                _receivingBody = null;
                return Dispatch(exchange, length - offset);
            case BodyProgress.NeedMore:
                exchange.DetachFromReceiveBuffer();
                return ReadStep.NeedMore;
            default:
                // No longer receiving before it is rejected: the rejection may close the connection at once, and
                // the close would return a still-referenced exchange to the pool a second time.
                _receivingBody = null;
                _bodyReader.ReleaseBuffer();
                return progress == BodyProgress.TooLarge
                    ? Reject(exchange, 413, "the body is larger than the limit", log: false, ConnectionError.MaxRequestBodySizeExceeded)
                    : Reject(exchange, _bodyReader.Error.StatusCode(), _bodyReader.Error.Describe(), log: true, _bodyReader.Error.ConnectionEnd());
        }
    }

    private ReadStep ReadStreamedBody(byte[] buffer, int length, ref int offset)
    {
        var progress = _bodyReader!.Stream(buffer, offset, length, _bodyPipe!, out var consumed);
        offset += consumed;
        switch (progress)
        {
            case BodyProgress.Complete:
                _bodyPipe = null;
                Phase = _readOnAfterBody ? ReaderPhase.Idle : ReaderPhase.Done;
                return ReadStep.StreamedBodyDone;
            case BodyProgress.ReaderFull:
                return ReadStep.ReaderFull;
            case BodyProgress.TooLarge:
                return FailStreamedBody(413, $"The request body is larger than the limit of {BodyLimit} bytes.", log: false, ConnectionError.MaxRequestBodySizeExceeded);
            case BodyProgress.Malformed:
                var error = _bodyReader.Error;
                return FailStreamedBody(error.StatusCode(), $"The chunked request body is malformed: {error.Describe()}", log: true, error.ConnectionEnd());
            default:
                return ReadStep.NeedMore;
        }
    }

    /// <summary>A streamed body will not be completed: its reader gets the error; no more requests are read.</summary>
    public ReadStep FailStreamedBody(int status, string reason, bool log, ConnectionError error)
    {
        _bodyPipe!.Fail(new Microsoft.AspNetCore.Http.BadHttpRequestException(reason, status));
        _bodyPipe = null;
        Phase = ReaderPhase.Done;
        Rejection = (status, reason, log, error);
        return ReadStep.StreamedBodyFailed;
    }

    /// <summary>The streamed body's handler, if it is still the one reading (for the connection to require close when its body fails).</summary>
    public HttpExchange? StreamingExchange => _streamingExchange;

    /// <summary>The streaming handler is done with its body: the rest of it is read and dropped, so the connection can go on.</summary>
    public void ReleaseStreamingReader()
    {
        _streamingExchange = null;
        _bodyPipe?.DetachReader();
    }

    /// <summary>The client's data-rate clock for the body starts again (the time just past was the server's).</summary>
    public void RestartBodyClock(long now) => _bodyReader!.RestartClock(now);

    /// <summary>No more requests are read: the client finished sending, or the connection is closing. A streamed body under way is read on.</summary>
    public void Stop()
    {
        if (Phase == ReaderPhase.StreamedBody)
        {
            _readOnAfterBody = false;
            return;
        }
        Phase = ReaderPhase.Done;
    }

    private bool _readOnAfterBody; // a streamed body's request kept the connection alive: after it, the next request

    /// <summary>A whole request: after one that closes the connection, nothing more is read.</summary>
    private ReadStep Dispatch(HttpExchange exchange, int bytesAhead)
    {
        Phase = exchange.Head.KeepAlive ? ReaderPhase.Idle : ReaderPhase.Done;
        Ready = exchange;
        BytesAhead = bytesAhead;
        return ReadStep.Request;
    }

    private ReadStep Reject(HttpExchange exchange, int status, string reason, bool log, ConnectionError error)
    {
        Phase = ReaderPhase.Done;
        Ready = exchange;
        Rejection = (status, reason, log, error);
        return ReadStep.Rejected;
    }

    /// <summary>The connection is over (closed or switched): what is being read goes back.</summary>
    public void Release(Exception clientGone)
    {
        if (_parsing is not null)
        {
            state.ReturnExchange(_parsing);
            _parsing = null;
        }
        if (_receivingBody is not null)
        {
            state.ReturnExchange(_receivingBody);
            _receivingBody = null;
        }
        _bodyReader?.ReleaseBuffer();
        _bodyPipe?.Fail(clientGone);
        _bodyPipe = null;
        _streamingExchange = null;
        Phase = ReaderPhase.Done;
    }
}
