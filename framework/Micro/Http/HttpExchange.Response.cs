using System.Buffers;
using System.Text;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// The response as the handler writes it: buffered (sent with a Content-Length when the handler completes), whole at
/// once, from a file, streamed in chunks, or raw; written straight to the connection when first in line, else into a
/// private buffer that moves to the connection in its turn, where a streaming producer waits.
/// </summary>
public sealed partial class HttpExchange
{
    private OutputBuffer? _target;
    private OutputBuffer? _private;
    private OutputBuffer? _bodyBuffer;
    private int _statusCode = 200;
    private bool _streaming;
    private bool _raw;
    private long _bodyProduced;
    private byte[]? _serverLine; // the app's own Server header, when it set one (SetServerHeader)
    private long _declaredLength = ResponseFramer.UnknownLength; // a streamed body's Content-Length, when its producer knows it
    private TaskCompletionSource? _turnWaiter;

    private void WriteResponseTo(OutputBuffer target) => _target = target;

    /// <summary>True once response bytes may have been sent, after which status and headers can no longer change.</summary>
    public bool HasStarted => _streaming || _raw || IsCompleted;
    /// <summary>The response status, 200 unless set.</summary>
    public int StatusCode
    {
        get => _statusCode;
        set
        {
            ThrowIfStarted();
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 200);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 999);
            _statusCode = value;
        }
    }

    internal bool IsCompleted { get; private set; }

    /// <summary>A status the server sets itself (an error it answers, 101 for an upgrade), past the checks a handler's goes through; raw: the response head is written by hand.</summary>
    private void SetStatusAsServer(int statusCode, bool raw = false)
    {
        _statusCode = statusCode;
        _raw |= raw;
    }

    /// <summary>Bytes of the body buffered so far, not sent (the whole body of a response that is not streamed).</summary>
    internal long BufferedBodyLength => _bodyBuffer?.Length ?? 0;

    /// <summary>Moves the buffered body out, to be re-encoded (a content coding) and written back through <see cref="BodyWriter"/>.</summary>
    internal void DrainBufferedBody(IBufferWriter<byte> destination) => _bodyBuffer?.DrainTo(destination);

    /// <summary>Body bytes the response has produced so far: streamed, sent whole, or buffered to be sent (for logs).</summary>
    internal long ResponseBodyLength => _bodyProduced + (_bodyBuffer?.Length ?? 0);

    /// <summary>Forgets the status, headers and body written so far, when nothing has been sent yet.</summary>
    internal bool TryResetResponse()
    {
        if (HasStarted)
        {
            return false;
        }
        DiscardHeadersAndBody();
        _statusCode = 200;
        WantsClose = _closeRequired;
        return true;
    }

    /// <summary>Drops the header lines and body written so far (nothing of them has been sent).</summary>
    private void DiscardHeadersAndBody()
    {
        ForgetHeadHook();
        ForgetReasonPhrase();
        _headers?.Clear();
        _bodyBuffer?.Release();
    }

    internal bool WritesDirectly => _target is not null && _target == _connection?.Output;

    /// <summary>Appends to the response body, sent with a Content-Length when the handler completes.</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        ThrowIfCompleted();
        if (_streaming)
        {
            WriteChunk(bytes);
            return;
        }
        (_bodyBuffer ??= new OutputBuffer(_pool)).Write(bytes);
    }

    /// <summary>Appends UTF-8 text to the response body.</summary>
    public void Write(string text)
    {
        var writer = BodyWriter;
        var span = writer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        writer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>The response body as a buffer writer (for <c>Utf8JsonWriter</c> and the like), sent with a Content-Length at completion.</summary>
    public IBufferWriter<byte> BodyWriter
    {
        get
        {
            ThrowIfCompleted();
            if (_streaming)
            {
                throw new InvalidOperationException("The response is being streamed; use WriteAsync.");
            }
            return _bodyBuffer ??= new OutputBuffer(_pool);
        }
    }

    /// <summary>
    /// Writes a whole response at once: status, Content-Type and body, with Date, Server, Content-Length and
    /// Connection added. The fast path for plaintext and JSON: no buffering, no allocation.
    /// </summary>
    public void Respond(int statusCode, ReadOnlySpan<byte> contentType, ReadOnlySpan<byte> body)
    {
        ThrowIfStarted();
        StatusCode = statusCode;
        ThrowIfBodyNotAllowed(body.Length);
        WriteHead(contentLength: body.Length, contentType, IsHeadRequest ? default : body);
        _bodyProduced = body.Length;
        IsCompleted = true;
    }

    /// <summary>
    /// Completes a response a host composed whole: <paramref name="lines"/> (whole "Name: value\r\n" lines it checked
    /// as <see cref="AddHeaderLines"/> wants them) and <paramref name="body"/>, framed with a Content-Length and
    /// written at once: one copy of each, where adding the lines to the response's headers and the body to its buffer
    /// copied both twice and read the lines again to index them. A response that already holds a body goes the long way.
    /// </summary>
    internal void CompleteWith(ReadOnlySpan<byte> lines, ReadOnlySpan<byte> body)
    {
        ThrowIfStarted();
        if (_bodyBuffer is { Length: > 0 })
        {
            AddHeaderLines(lines);
            Write(body);
            Complete();
            return;
        }
        var sendsBody = !IsHeadRequest && ResponseFramer.AllowsBody(_statusCode); // as Complete: HEAD, 204 and 304 send none
        WriteHead(IsHeadRequest && body.IsEmpty ? ResponseFramer.NoLengthToTell : body.Length, body: sendsBody ? body : default, lines: lines);
        _bodyProduced = body.Length;
        _bodyBuffer?.Release();
        IsCompleted = true;
    }

    /// <summary>
    /// A response a host completed before its handler returned (ASP.NET Core's CompleteAsync): at the front of its
    /// connection's line, its bytes leave with the reactor's next send, not when the handler returns.
    /// </summary>
    internal void SendCompletedResponse()
    {
        if (IsCompleted && WritesDirectly)
        {
            _connection!.SendSoon();
        }
    }

    /// <summary>
    /// Answers with <paramref name="length"/> bytes of <paramref name="file"/> from <paramref name="offset"/>, sent
    /// from the page cache to the socket with sendfile(2). The exchange takes ownership of the handle.
    /// </summary>
    internal void RespondWithFile(Microsoft.Win32.SafeHandles.SafeFileHandle file, long offset, long length)
    {
        ThrowIfStarted();
        WriteHead(contentLength: length);
        if (IsHeadRequest || !ResponseFramer.AllowsBody(_statusCode))
        {
            file.Dispose();
        }
        else
        {
            _target!.AppendFile(file, offset, length);
            _bodyProduced = length;
        }
        _bodyBuffer?.Release();
        IsCompleted = true;
    }

    /// <summary>
    /// Streams <paramref name="bytes"/> as a chunk of a chunked response (close-delimited for HTTP/1.0), sending the
    /// head first. Completes when the connection can take more: the backpressure of a slow client reaches the handler.
    /// </summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        WriteStreamed(bytes.Span);
        return FlushStreamedAsync(cancellationToken);
    }

    /// <summary>Writes a piece of a streamed body (starting a chunked response if none has started) without waiting: <see cref="FlushStreamedAsync"/> waits.</summary>
    internal void WriteStreamed(ReadOnlySpan<byte> bytes)
    {
        ThrowIfCompleted();
        ThrowIfBodyNotAllowed(bytes.Length);
        if (!_streaming)
        {
            StartStreaming(ResponseFramer.UnknownLength);
        }
        if (_declaredLength >= 0 && _bodyProduced + bytes.Length > _declaredLength)
        {
            throw new InvalidOperationException($"Response Content-Length mismatch: too many bytes written ({_bodyProduced + bytes.Length} of {_declaredLength}).");
        }
        WriteChunk(bytes);
        _bodyProduced += bytes.Length;
    }

    /// <summary>Completes when the connection can take more of a streamed body (or it is this response's turn); throws when the client is gone.</summary>
    internal ValueTask FlushStreamedAsync(CancellationToken cancellationToken) => _connection!.FlushStreaming(this, cancellationToken);

    /// <summary>
    /// Sends the head of a streamed response: with <paramref name="contentLength"/> when the producer knows it (its
    /// writes then go out as they are, and a body that ends short closes the connection, the only way to tell the
    /// client), else chunked. <see cref="WriteAsync"/> does this itself, chunked, on its first call.
    /// </summary>
    internal void StartStreaming(long contentLength)
    {
        ThrowIfStarted();
        if (_bodyBuffer is { IsEmpty: false })
        {
            throw new InvalidOperationException("The response body was buffered with Write; it cannot switch to streaming.");
        }
        _declaredLength = contentLength;
        if (_statusCode == 304 && contentLength >= 0)
        {
            TellLengthOfNotModified(contentLength);
        }
        WriteHead(contentLength); // before the response counts as started: a head hook may still add its lines
        _streaming = true;
    }

    /// <summary>
    /// The whole "Server: ...\r\n" line for this response instead of the server's (as an ASP.NET Core app sets
    /// Response.Headers.Server); empty leaves the header out.
    /// </summary>
    internal void SetServerHeader(ReadOnlySpan<byte> value)
    {
        ThrowIfStarted();
        if (value.IsEmpty)
        {
            _serverLine = [];
            return;
        }
        if (_lastServerLine is { } last && last.Length == value.Length + 10 && value.SequenceEqual(last.AsSpan(8, value.Length)))
        {
            _serverLine = last; // the app sets the same Server on every response: checked and made once for this pooled exchange
            return;
        }
        ResponseHeaders.Validate("Server"u8, value);
        _serverLine = _lastServerLine = [.. "Server: "u8, .. value, .. "\r\n"u8];
    }

    private byte[]? _lastServerLine; // kept between requests, unlike _serverLine

    /// <summary>
    /// The raw output, for handlers that write whole HTTP responses themselves (benchmarks, proxies): nothing is
    /// added. The response must be well framed; <see cref="DateLine"/> has the cached Date header.
    /// </summary>
    public IBufferWriter<byte> RawOutput
    {
        get
        {
            ThrowIfStarted();
            _raw = true;
            return _target!;
        }
    }

    /// <summary>The cached "Date: ...\r\n" line, refreshed once a second.</summary>
    public static ReadOnlySpan<byte> DateLine => ResponseFramer.DateLine;

    /// <summary>Responses behind a slower one are written into a private buffer and moved to the connection in order.</summary>
    internal OutputBuffer PrivateOutput => _private ??= new OutputBuffer(_pool);

    internal void MovePrivateOutputTo(OutputBuffer destination)
    {
        if (_private is not null && _target == _private)
        {
            _private.MoveTo(destination);
            _target = destination;
        }
    }

    /// <summary>Response bytes this exchange has produced and not handed to the connection yet.</summary>
    internal long BufferedBytes =>
        (_target == _private ? _private?.Length ?? 0 : 0) + (_bodyBuffer?.Length ?? 0) + (_headers?.Length ?? 0);

    /// <summary>Response bytes of this exchange not yet sent: its own buffers, and the connection's output while it writes there.</summary>
    internal long UnsentBytes => BufferedBytes + (WritesDirectly ? _target!.Length : 0);

    /// <summary>A streaming response behind another waits here until it reaches the head of the line (or its connection closes).</summary>
    internal ValueTask WaitForTurnAsync(CancellationToken cancellationToken)
    {
        _turnWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return new ValueTask(_turnWaiter.Task.WaitAsync(cancellationToken));
    }

    /// <summary>Wakes a producer waiting for its turn: with <paramref name="failure"/> when the connection is gone.</summary>
    internal void ReleaseTurnWaiter(Exception? failure)
    {
        var waiter = _turnWaiter;
        _turnWaiter = null;
        if (failure is null)
        {
            waiter?.TrySetResult();
        }
        else
        {
            waiter?.TrySetException(failure);
        }
    }

    /// <summary>The response part of <see cref="Reset"/>: buffers returned, status and flags as new, a waiter from the last use forgotten.</summary>
    private void ResetResponse()
    {
        ForgetHeadHook();
        ForgetReasonPhrase();
        _private?.Release();
        _headers?.Clear();
        _bodyBuffer?.Release();
        _target = null;
        _statusCode = 200;
        _streaming = _raw = false;
        _bodyProduced = 0;
        _declaredLength = ResponseFramer.UnknownLength;
        _serverLine = null;
        IsCompleted = false;
        SwitchTo = null;
        _turnWaiter = null;
    }

    private void ThrowIfStarted()
    {
        ThrowIfOffReactor();
        if (HasStarted)
        {
            throw new InvalidOperationException("The response has started; its status and headers can no longer change.");
        }
    }

    private void ThrowIfCompleted()
    {
        ThrowIfOffReactor();
        if (IsCompleted)
        {
            throw new InvalidOperationException("The response is complete.");
        }
    }
}
