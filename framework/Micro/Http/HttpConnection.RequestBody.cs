using System.Buffers;
using Micro.Parser;

namespace Micro.Http;

/// <summary>
/// Request bodies: buffered whole before the handler runs (lent in place when they arrived with their head), or
/// streamed to a handler that runs at once, through a bounded <see cref="RequestBodyPipe"/>.
/// </summary>
internal sealed partial class HttpConnection
{
    private static readonly byte[] ContinueResponse = "HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray();

    private HttpExchange? _receivingBody;
    private ChunkedDecoder? _chunked;
    private RequestBodyPipe? _bodyPipe;
    private HttpExchange? _streamingExchange;
    private bool _pausedForBody;
    private byte[]? _body;
    private int _bodyLength;
    private long _streamedBodyLength;
    private long _bodyRemaining;
    private long _bodyBytesReceived;

    private void StartBody(HttpExchange exchange, int available)
    {
        _receivingBody = exchange;
        _phaseStartedAt = state.Reactor.Now;
        _bodyBytesReceived = 0;
        _bodyLength = 0;
        _streamedBodyLength = 0;
        var head = exchange.Head;
        if (head.Framing == BodyFraming.Chunked)
        {
            (_chunked ??= new ChunkedDecoder(state.Options.ParserLimits)).Reset();
            _bodyRemaining = -1;
        }
        else
        {
            _bodyRemaining = head.ContentLength;
        }
        // 100 Continue only when it would not overtake a response still owed for an earlier request.
        if (head.ExpectContinue && _inFlight.Count == 0 && (_bodyRemaining < 0 || available < _bodyRemaining))
        {
            transport.Output.Write(ContinueResponse);
            transport.Flush();
        }
    }

    /// <summary>Takes body bytes from the buffer; dispatches the request once its body is whole. Returns bytes consumed.</summary>
    private int ReceiveBody(byte[] buffer, int offset, int length)
    {
        var exchange = _receivingBody!;
        var available = length - offset;
        if (_bodyRemaining >= 0)
        {
            if (_body is null && available >= _bodyRemaining)
            {
                // The whole body is here: lend it to the handler without a copy.
                var size = (int)_bodyRemaining;
                exchange.SetBorrowedBody(buffer, offset, size);
                _receivingBody = null;
                Dispatch(exchange);
                return size;
            }
            if (_body is null && _bodyRemaining > Array.MaxLength)
            {
                // A buffered body is one array: past its largest size, refuse rather than overflow (the limit can be raised past it).
                _receivingBody = null;
                Reject(exchange, 413);
                return available;
            }
            var take = (int)Math.Min(available, _bodyRemaining);
            // The buffer grows with what arrives, never to the declared length at the first byte: a client that
            // declares 30 MB and sends one byte holds a few KiB, not 32 MiB.
            AppendBody(buffer.AsSpan(offset, take), declaredLength: _bodyLength + _bodyRemaining);
            _bodyRemaining -= take;
            _bodyBytesReceived += take;
            if (_bodyRemaining == 0)
            {
                FinishBody(exchange);
            }
            else
            {
                exchange.DetachFromReceiveBuffer();
            }
            return take;
        }

        var consumed = 0;
        while (true)
        {
            var result = _chunked!.Decode(buffer.AsSpan(offset + consumed, available - consumed), out var used, out var data);
            if (result == ChunkedDecodeStatus.Data)
            {
                if (_bodyLength + (long)data.Length > Math.Min(state.Options.MaxRequestBodySize, Array.MaxLength))
                {
                    // No longer receiving before it is rejected: Reject may close the connection at once, and
                    // OnClosed would return a still-referenced exchange to the pool a second time.
                    _receivingBody = null;
                    Reject(exchange, 413);
                    return available;
                }
                AppendBody(buffer.AsSpan(offset + consumed + data.Offset, data.Length), declaredLength: Math.Min(state.Options.MaxRequestBodySize, Array.MaxLength));
            }
            consumed += used;
            _bodyBytesReceived += used;
            switch (result)
            {
                case ChunkedDecodeStatus.Completed:
                    FinishBody(exchange);
                    return consumed;
                case ChunkedDecodeStatus.NeedMoreData:
                    exchange.DetachFromReceiveBuffer();
                    return consumed;
                case ChunkedDecodeStatus.Error:
                    state.Log.BadRequest(RemoteEndPoint, _chunked.Error.StatusCode(), _chunked.Error.Describe());
                    _receivingBody = null;
                    Reject(exchange, _chunked.Error.StatusCode());
                    return available;
            }
        }
    }

    /// <summary>Asks the application's <see cref="MicroServerOptions.StreamRequestBody"/>; if that throws, the request gets a 500 and the connection closes.</summary>
    private bool ShouldStreamBody(HttpExchange exchange)
    {
        try
        {
            return state.Options.StreamRequestBody?.Invoke(exchange) == true;
        }
        catch (Exception exception)
        {
            state.Log.HandlerFailed(exchange.Head.Method.ToString(), System.Text.Encoding.Latin1.GetString(exchange.Head.Target.Of(exchange.RequestBytes)), exception);
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
        var pipe = _bodyPipe!;
        var available = length - offset;
        if (_bodyRemaining >= 0)
        {
            var offered = (int)Math.Min(available, _bodyRemaining);
            var taken = pipe.Write(buffer.AsSpan(offset, offered));
            _bodyRemaining -= taken;
            _bodyBytesReceived += taken;
            if (_bodyRemaining == 0)
            {
                pipe.Complete();
                _bodyPipe = null;
            }
            else if (taken < offered)
            {
                PauseForBodyReader();
            }
            return taken;
        }

        var consumed = 0;
        while (true)
        {
            // The decoder sees no more input than the pipe has room for, so every piece of data it returns fits.
            var room = pipe.RoomOrWait();
            if (room == 0)
            {
                PauseForBodyReader();
                return consumed;
            }
            var input = buffer.AsSpan(offset + consumed, Math.Min(available - consumed, room));
            var result = _chunked!.Decode(input, out var used, out var data);
            if (result == ChunkedDecodeStatus.Data)
            {
                _streamedBodyLength += data.Length; // a long: a streamed body may pass 2 GiB when the limit allows
                if (_streamedBodyLength > state.Options.MaxRequestBodySize)
                {
                    FailStreamedBody(413, $"The request body is larger than the limit of {state.Options.MaxRequestBodySize} bytes.");
                    return available;
                }
                pipe.Write(input.Slice(data.Offset, data.Length));
            }
            consumed += used;
            _bodyBytesReceived += used;
            switch (result)
            {
                case ChunkedDecodeStatus.Completed:
                    pipe.Complete();
                    _bodyPipe = null;
                    _streamedBodyLength = 0;
                    return consumed;
                case ChunkedDecodeStatus.NeedMoreData when consumed >= available:
                    return consumed;
                case ChunkedDecodeStatus.Error:
                    state.Log.BadRequest(RemoteEndPoint, _chunked.Error.StatusCode(), _chunked.Error.Describe());
                    FailStreamedBody(_chunked.Error.StatusCode(), $"The chunked request body is malformed: {_chunked.Error.Describe()}");
                    return available;
            }
        }
    }

    private void PauseForBodyReader()
    {
        if (!_pausedForBody)
        {
            _pausedForBody = true;
            UpdateReading();
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
        if (!_pausedForBody || _closed || _closing)
        {
            return; // a connection closing after its responses reads nothing more
        }
        _pausedForBody = false;
        // The time the handler took to read was the server's: the client's data-rate clock starts again.
        _phaseStartedAt = state.Reactor.Now;
        _bodyBytesReceived = 0;
        UpdateReading();
    }

    /// <summary>A streamed body cannot be completed: its reader gets the error, and the connection closes after its response.</summary>
    private void FailStreamedBody(int statusCode, string reason)
    {
        _bodyPipe!.Fail(new Microsoft.AspNetCore.Http.BadHttpRequestException(reason, statusCode));
        _bodyPipe = null;
        _streamedBodyLength = 0;
        _stopParsing = true;
        if (_pausedForBody)
        {
            _pausedForBody = false;
        }
        if (_streamingExchange is not null)
        {
            _streamingExchange.RequireClose();
        }
        else if (_inFlight.Count == 0)
        {
            CloseAfterResponses();
        }
    }

    /// <summary>Appends body bytes, doubling the buffer as needed but never past <paramref name="declaredLength"/>, the most the body can be.</summary>
    private void AppendBody(ReadOnlySpan<byte> data, long declaredLength)
    {
        if (_body is null || _bodyLength + data.Length > _body.Length)
        {
            var doubled = Math.Min((long)(_body?.Length ?? 4096) * 2, declaredLength);
            var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Max(_bodyLength + data.Length, doubled));
            if (_body is not null)
            {
                _body.AsSpan(0, _bodyLength).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_body);
            }
            _body = bigger;
        }
        data.CopyTo(_body.AsSpan(_bodyLength));
        _bodyLength += data.Length;
    }

    private void FinishBody(HttpExchange exchange)
    {
        if (_body is null)
        {
            exchange.SetBorrowedBody([], 0, 0);
        }
        else
        {
            exchange.SetOwnedBody(_body, _bodyLength);
        }
        _body = null;
        _bodyLength = 0;
        _receivingBody = null;
        Dispatch(exchange);
    }
}
