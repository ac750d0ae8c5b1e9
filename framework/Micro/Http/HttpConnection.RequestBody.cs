using Micro.Parser;

namespace Micro.Http;

/// <summary>
/// Request bodies: buffered whole before the handler runs, or streamed to a handler that runs at once through a
/// bounded <see cref="RequestBodyPipe"/>. The bytes themselves are <see cref="RequestBodyReader"/>'s; this part
/// decides what the connection does with each outcome.
/// </summary>
internal sealed partial class HttpConnection
{
    private static readonly byte[] ContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private RequestBodyReader? _bodyReader;
    private HttpExchange? _receivingBody;
    private RequestBodyPipe? _bodyPipe;
    private HttpExchange? _streamingExchange;

    private void StartBody(HttpExchange exchange, int available)
    {
        _receivingBody = exchange;
        var reader = _bodyReader ??= new RequestBodyReader(state.Options);
        reader.Start(exchange.Head, state.Reactor.Now);
        // 100 Continue only when it would not overtake a response still owed for an earlier request.
        if (exchange.Head.ExpectContinue && _inFlight.Count == 0 && (reader.Remaining < 0 || available < reader.Remaining))
        {
            transport.Output.Write(ContinueResponse);
            transport.Flush();
        }
    }

    /// <summary>Takes body bytes from the buffer; dispatches the request once its body is whole. Returns bytes consumed.</summary>
    private int ReceiveBody(byte[] buffer, int offset, int length)
    {
        var exchange = _receivingBody!;
        var progress = _bodyReader!.Buffer(buffer, offset, length, out var consumed, out var body);
        switch (progress)
        {
            case BodyProgress.Complete:
                exchange.SetBody(body);
                _receivingBody = null;
                _bytesAhead = length - offset - consumed;
                Dispatch(exchange);
                break;
            case BodyProgress.NeedMore:
                exchange.DetachFromReceiveBuffer();
                break;
            default:
                // No longer receiving before it is rejected: Reject may close the connection at once, and OnClosed
                // would return a still-referenced exchange to the pool a second time.
                _receivingBody = null;
                _bodyReader.ReleaseBuffer();
                var status = progress == BodyProgress.TooLarge ? 413 : _bodyReader.Error.StatusCode();
                if (progress == BodyProgress.Malformed)
                {
                    state.Log.BadRequest(RemoteEndPoint, status, _bodyReader.Error.Describe());
                }
                Reject(exchange, status);
                break;
        }
        return consumed;
    }

    /// <summary>Asks the application's head-level predicate; if that throws, the request gets a 500 and the connection closes.</summary>
    private bool ShouldStreamBody(HttpExchange exchange)
    {
        try
        {
            return state.Options.StreamRequestBody?.Invoke(exchange.Head, exchange.RequestBytes) == true;
        }
        catch (Exception exception)
        {
            state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
            _receivingBody = null;
            Reject(exchange, 500);
            return false;
        }
    }

    /// <summary>The handler runs now and reads the body as it arrives, through a bounded pipe.</summary>
    private void StartStreamedBody(HttpExchange exchange)
    {
        _receivingBody = null;
        _bodyPipe = new RequestBodyPipe(ResumeAfterBodyRead);
        _streamingExchange = exchange;
        exchange.SetStreamedBody(_bodyPipe);
        Dispatch(exchange);
    }

    /// <summary>Moves body bytes into the pipe, as many as it has room for. Returns bytes consumed.</summary>
    private int ReceiveStreamedBody(byte[] buffer, int offset, int length)
    {
        var progress = _bodyReader!.Stream(buffer, offset, length, _bodyPipe!, out var consumed);
        switch (progress)
        {
            case BodyProgress.Complete:
                _bodyPipe = null;
                break;
            case BodyProgress.ReaderFull:
                PauseForBodyReader();
                break;
            case BodyProgress.TooLarge:
                FailStreamedBody(413, $"The request body is larger than the limit of {state.Options.MaxRequestBodySize} bytes.");
                break;
            case BodyProgress.Malformed:
                var error = _bodyReader.Error;
                state.Log.BadRequest(RemoteEndPoint, error.StatusCode(), error.Describe());
                FailStreamedBody(error.StatusCode(), $"The chunked request body is malformed: {error.Describe()}");
                break;
        }
        return consumed;
    }

    private void PauseForBodyReader()
    {
        if (!IsPaused(ReadPause.BodyReaderFull))
        {
            Pause(ReadPause.BodyReaderFull);
        }
    }

    /// <summary>The pipe has room again (called on whichever thread read from it).</summary>
    private void ResumeAfterBodyRead()
    {
        if (state.Reactor.IsOnReactorThread)
        {
            ResumeBody();
        }
        else
        {
            state.Reactor.Post(static connection => ((HttpConnection)connection!).ResumeBody(), this);
        }
    }

    private void ResumeBody()
    {
        if (!IsPaused(ReadPause.BodyReaderFull) || _closed || _closing)
        {
            return; // a connection closing after its responses reads nothing more
        }
        // The time the handler took to read was the server's: the client's data-rate clock starts again.
        _bodyReader!.RestartClock(state.Reactor.Now);
        Resume(ReadPause.BodyReaderFull);
    }

    /// <summary>A streamed body cannot be completed: its reader gets the error, and the connection closes after its response.</summary>
    private void FailStreamedBody(int statusCode, string reason)
    {
        _bodyPipe!.Fail(new Microsoft.AspNetCore.Http.BadHttpRequestException(reason, statusCode));
        _bodyPipe = null;
        _stopParsing = true;
        _readPauses &= ~ReadPause.BodyReaderFull; // no more of this body will be read
        if (_streamingExchange is not null)
        {
            _streamingExchange.RequireClose();
        }
        else if (_inFlight.Count == 0)
        {
            CloseAfterResponses();
        }
    }
}
