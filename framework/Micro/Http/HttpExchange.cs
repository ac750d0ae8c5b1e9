using System.Buffers;
using System.Net;
using System.Text;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// One request and its response. The request is a view: <see cref="Head"/> holds offsets into
/// <see cref="RequestBytes"/>, which point into the connection's receive buffer while the handler runs synchronously
/// and into the exchange's own copy once the handler goes async. The response is buffered and framed when the
/// handler completes (Content-Length), or streamed in chunks with <see cref="WriteAsync"/>.
/// </summary>
public sealed partial class HttpExchange
{
    private readonly BlockPool _pool;
    private HttpConnection? _connection;
    private ReceivedBytes _head;
    private bool _closeRequired;
    private OutputBuffer? _target;
    private OutputBuffer? _private;
    private OutputBuffer? _bodyBuffer;
    private int _statusCode = 200;
    private bool _streaming;
    private bool _raw;
    private long _bodyProduced;
    private ValueTask _pending;

    internal HttpExchange(BlockPool pool)
    {
        _pool = pool;
        CompletionCallback = OnHandlerCompleted;
    }

    /// <summary>The parsed request head; its ranges are offsets into <see cref="RequestBytes"/>.</summary>
    public RequestHead Head { get; } = new();

    /// <summary>The bytes of the request head.</summary>
    public ReadOnlySpan<byte> RequestBytes => _head.Span;

    /// <summary>The method as sent ("GET", "PROPFIND"), for logs and the app's request.</summary>
    public string MethodName => Head.MethodName(RequestBytes);

    /// <summary>The request-target as sent, for logs.</summary>
    internal string TargetText => Encoding.Latin1.GetString(Head.Target.Of(RequestBytes));

    /// <summary>The client's address.</summary>
    public IPEndPoint? RemoteEndPoint => _connection?.RemoteEndPoint;

    /// <summary>True for HEAD: the response carries the headers of GET and no body.</summary>
    public bool IsHeadRequest => Head.Method == RequestMethod.Head;

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

    /// <summary>True while the exchange sits in its reactor's pool (between a return and the next rent).</summary>
    internal bool IsPooled { get; set; }

    internal bool WantsClose { get; set; }

    /// <summary>The connection cannot carry another request after this one (its body could not be read to the end).</summary>
    internal void RequireClose()
    {
        _closeRequired = true;
        WantsClose = true;
    }

    internal bool AbortConnection { get; private set; }

    internal Action CompletionCallback { get; }

    /// <summary>The route pattern the application matched ("/users/:id"), when it says: for diagnostics.</summary>
    internal string? Route { get; set; }

    /// <summary>The request, for a diagnostic message: "GET /users/7 (route /users/:id)".</summary>
    public override string ToString() => Route is null ? $"{MethodName} {TargetText}" : $"{MethodName} {TargetText} (route {Route})";

    /// <summary>What the application layer keeps with this exchange (its Request and Response), reused with it.</summary>
    internal object? ApplicationState { get; set; }

    /// <summary>
    /// Set when the handler started work that may outlive the request (an async void method): when the exchange is
    /// done, what the application kept with it is retired (<see cref="IExchangeState.Retire"/>) instead of being
    /// handed to the next request, so a late write through the old handles throws instead of landing in a neighbour's
    /// response.
    /// </summary>
    internal bool HandlerLeftWorkBehind { get; set; }

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
        _headers?.Clear();
        _bodyBuffer?.Release();
    }

    /// <summary>The next exchange in its connection's <see cref="ExchangeQueue"/>.</summary>
    internal HttpExchange? NextInLine { get; set; }

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
        WriteHead(contentLength: body.Length, contentType);
        if (!IsHeadRequest)
        {
            _target!.Write(body);
        }
        _bodyProduced = body.Length;
        IsCompleted = true;
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
        ThrowIfCompleted();
        cancellationToken.ThrowIfCancellationRequested();
        ThrowIfBodyNotAllowed(bytes.Length);
        if (!_streaming)
        {
            if (_bodyBuffer is { IsEmpty: false })
            {
                throw new InvalidOperationException("The response body was buffered with Write; it cannot switch to streaming.");
            }
            _streaming = true;
            WriteHead(contentLength: ResponseFramer.UnknownLength);
        }
        WriteChunk(bytes.Span);
        _bodyProduced += bytes.Length;
        return _connection!.FlushStreaming(this, cancellationToken);
    }

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
    public static ReadOnlySpan<byte> DateLine => DateHeader.Line;

    internal void Start(HttpConnection connection, OutputBuffer target)
    {
        _connection = connection;
        _target = target;
    }

    /// <summary>Borrows the request head from the receive buffer.</summary>
    internal void SetRequest(byte[] buffer, int offset, int headLength) => _head = ReceivedBytes.Borrow(buffer, offset, headLength);

    /// <summary>Copies whatever still points into the receive buffer: the handler is going async and the buffer will be reused.</summary>
    internal void DetachFromReceiveBuffer()
    {
        _head.EnsureOwned();
        _body.DetachFromReceiveBuffer();
    }

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

    internal void SetPending(ValueTask pending) => _pending = pending;

    private void OnHandlerCompleted()
    {
        Exception? failure = null;
        try
        {
            _pending.GetAwaiter().GetResult();
        }
        catch (Exception exception)
        {
            failure = exception;
        }
        _pending = default;
        _connection?.OnAsyncHandlerCompleted(this, failure);
    }

    /// <summary>Makes the exchange ready for another request, returning what it rented.</summary>
    internal void Reset()
    {
        Route = null;
        if (HandlerLeftWorkBehind)
        {
            HandlerLeftWorkBehind = false;
            (ApplicationState as IExchangeState)?.Retire($"{MethodName} {TargetText}");
            ApplicationState = null; // the next request gets state of its own
        }
        _head.Release();
        _body.Reset();
        _private?.Release();
        _headers?.Clear();
        _bodyBuffer?.Release();
        _connection = null;
        _target = null;
        _statusCode = 200;
        _streaming = _raw = false;
        _bodyProduced = 0;
        IsCompleted = WantsClose = AbortConnection = _closeRequired = false;
        SwitchTo = null;
        _pending = default;
        ForgetTurnWaiter();
        Head.Reset();
    }

    /// <summary>
    /// The response's buffers and its connection belong to one reactor thread. Code that reaches them from another
    /// thread (after an await with ConfigureAwait(false) in the handler) would race with that reactor, so it is refused.
    /// </summary>
    private void ThrowIfOffReactor()
    {
        if (_connection is { IsOnReactorThread: false })
        {
            throw new InvalidOperationException(
                "The response was written from a thread other than its connection's reactor, as after an await with ConfigureAwait(false) in the handler. " +
                "Await without ConfigureAwait(false) in handler code that touches the request or the response; data-access code it calls may use it.");
        }
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
