using System.Net;
using System.Text;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// One request and its response. The request is a view: <see cref="Head"/> holds offsets into
/// <see cref="RequestBytes"/>, which point into the connection's receive buffer while the handler runs synchronously
/// and into the exchange's own copy once the handler goes async; its body is held by a <see cref="RequestBody"/>
/// (buffered, borrowed or owned, or streamed while it arrives). This file: the request, and the exchange's life from
/// its connection's line to the pool. The response is written in HttpExchange.Response.cs and framed in
/// HttpExchange.Framing.cs.
/// </summary>
public sealed partial class HttpExchange
{
    private readonly BlockPool _pool;
    private HttpConnection? _connection;
    private ReceivedBytes _head;
    private bool _closeRequired;
    private ValueTask _pending;
    private readonly RequestBody _body = new();
    private bool _hasBody; // a body was set: a request without one (most) leaves the body's state alone
    private byte[]? _headStore; // where the head is copied when it must outlive the receive buffer, kept with the pooled exchange
    private Action<object>? _handlerEnded;
    private object? _handlerEndedState;

    /// <summary>Heads up to this size are copied into the exchange's own store; a larger (rare, hostile) one into a rented array, so a pooled exchange keeps nothing large.</summary>
    private const int MaxStoredHead = 2048;

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

    /// <summary>The connection this exchange is on (null once it is done): its reactor, id and addresses, for a host built on the exchange.</summary>
    internal HttpConnection? Connection => _connection;

    /// <summary>The client's address.</summary>
    public IPEndPoint? RemoteEndPoint => _connection?.RemoteEndPoint;

    /// <summary>True for HEAD: the response carries the headers of GET and no body.</summary>
    public bool IsHeadRequest => Head.Method == RequestMethod.Head;

    /// <summary>
    /// Cancelled when the client's connection closes before the response is sent: a reset, a timeout, the server
    /// aborting. A client that only half-closes (sends FIN after its requests) is still answered, so it does not
    /// cancel this. Writes to a closed connection throw <see cref="Microsoft.AspNetCore.Connections.ConnectionResetException"/>.
    /// </summary>
    public CancellationToken RequestAborted => _connection?.Aborted ?? new CancellationToken(canceled: true);

    /// <summary>Cancelled when the request should end: the client went, or the server's graceful stop began.</summary>
    internal CancellationToken Closing => _connection?.Closing ?? new CancellationToken(canceled: true);

    /// <summary>The request body, decoded if it was chunked; empty when there is none. Not for a streamed body (<see cref="IsBodyStreamed"/>).</summary>
    public ReadOnlySpan<byte> Body => _body.Span;

    /// <summary>
    /// The request body as memory, valid until the response completes, across awaits. Not for a streamed body
    /// (<see cref="IsBodyStreamed"/>). A body lent from the receive buffer is copied once here, since memory (unlike
    /// <see cref="Body"/>, a span) can outlive the synchronous part of the handler and the buffer is reused.
    /// </summary>
    public ReadOnlyMemory<byte> BodyMemory => _body.Memory;

    /// <summary>
    /// The trailer fields of a chunked body once it has all arrived, as received: whole "Name: value\r\n" lines, names
    /// tokens and values free of control characters (the parser checked them within the header limits); read them
    /// with <see cref="TrailerLines"/>.
    /// </summary>
    internal ReadOnlyMemory<byte> RequestTrailers => _body.Trailers;

    /// <summary>Whether all of the body has arrived (a streamed one may still be arriving).</summary>
    internal bool IsBodyWhole => _body.IsWhole;

    /// <summary>Whether a streamed body was read from already: a reader that wants the whole body would get only the rest.</summary>
    internal bool WasBodyReadFrom => _body.WasReadFrom;

    /// <summary>A middleware's stream in the body's place (it decompresses the body, or buffered it to be read twice): the body is read from it from now on.</summary>
    internal void ReplaceBody(Stream body) => _body.Replace(body);

    /// <summary>True when the handler runs before the body has arrived and reads it as it comes (see <see cref="HttpServerOptions.StreamRequestBody"/>).</summary>
    public bool IsBodyStreamed => _body.IsStreamed;

    /// <summary>The request body as a read-only stream: over the received bytes, or reading a streamed body as it arrives (asynchronous reads only).</summary>
    public Stream OpenBody() => _body.Open();

    /// <summary>
    /// Reads the next bytes of the body into <paramref name="destination"/>; 0 at its end. For a streamed body it
    /// waits for the client, and a body that cannot be completed (malformed, too large, too slow, client gone)
    /// throws <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> with the status to answer, or <see cref="IOException"/>.
    /// </summary>
    public ValueTask<int> ReadBodyAsync(Memory<byte> destination, CancellationToken cancellationToken = default) =>
        _body.ReadAsync(destination, cancellationToken);

    /// <summary>
    /// The rest of a body that is not streamed, in place and valid until the response completes (a body lent from the
    /// receive buffer is copied once, as for <see cref="BodyMemory"/>); false for a streamed body. Reads after it go on
    /// past the bytes <see cref="SkipBody"/> marks taken.
    /// </summary>
    internal bool TryPeekBody(out ReadOnlyMemory<byte> rest) => _body.TryPeek(out rest);

    /// <summary>Marks <paramref name="count"/> bytes of the body <see cref="TryPeekBody"/> gave read.</summary>
    internal void SkipBody(int count) => _body.Skip(count);

    /// <summary>
    /// Buffers a streamed body whole (up to <paramref name="limit"/> bytes, past which it throws
    /// <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> 413), after which <see cref="Body"/> works as for
    /// any other request. Completes at once for a body that was not streamed.
    /// </summary>
    public ValueTask ReadWholeBodyAsync(long limit) => _body.ReadWholeAsync(limit);

    internal void SetBody(ReceivedBytes body, ReadOnlySpan<byte> trailers = default)
    {
        _hasBody = true;
        _body.SetBuffered(body, trailers);
    }

    internal void SetStreamedBody(RequestBodyPipe pipe)
    {
        _hasBody = true;
        _body.SetStreamed(pipe);
    }

    /// <summary>True while the exchange sits in its reactor's pool (between a return and the next rent).</summary>
    internal bool IsPooled { get; set; }

    internal bool WantsClose { get; set; }

    /// <summary>The connection cannot carry another request after this one (its body could not be read to the end).</summary>
    internal void RequireClose()
    {
        _closeRequired = true;
        WantsClose = true;
    }

    /// <summary>Why the connection must be cut after this response (<see cref="ConnectionError.None"/>: it need not be).</summary>
    internal ConnectionError AbortedBy { get; private set; }

    internal bool AbortConnection => AbortedBy != ConnectionError.None;

    internal Action CompletionCallback { get; }

    /// <summary>The route pattern the application matched ("/users/:id"), when it says: for diagnostics.</summary>
    internal string? Route
    {
        get => _routed ? _route : null;
        set
        {
            _routed = true;
            if (!ReferenceEquals(_route, value))
            {
                _route = value; // kept between requests, so the same route again stores nothing: a reference stored costs a write barrier
            }
        }
    }

    private string? _route;
    private bool _routed; // whether this request's application said its route: cleared at Reset, where the pattern is kept

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

    /// <summary>The next exchange in its connection's <see cref="ResponseLine"/>.</summary>
    internal HttpExchange? NextInLine { get; set; }

    /// <summary>The exchange joins its connection's line, writing its response to <paramref name="target"/> (the connection's output, or its own until its turn).</summary>
    internal void Start(HttpConnection connection, OutputBuffer target)
    {
        _connection = connection;
        WriteResponseTo(target);
    }

    /// <summary>Borrows the request head from the receive buffer.</summary>
    internal void SetRequest(byte[] buffer, int offset, int headLength) => _head = ReceivedBytes.Borrow(buffer, offset, headLength);

    /// <summary>Copies whatever still points into the receive buffer: the handler is going async and the buffer will be reused.</summary>
    internal void DetachFromReceiveBuffer()
    {
        _head.EnsureOwned(ref _headStore, MaxStoredHead);
        if (_hasBody)
        {
            _body.DetachFromReceiveBuffer();
        }
    }

    internal void SetPending(ValueTask pending) => _pending = pending; // the handler runs on (HandlerRunning stays true)

    /// <summary>The handler is called: the exchange is its own from now until it returns, whatever the connection does meanwhile.</summary>
    internal void OnHandlerStarting() => HandlerRunning = true;

    /// <summary>The handler returned a completed task.</summary>
    internal void OnHandlerReturned() => HandlerRunning = false;

    /// <summary>
    /// The handler has not returned yet (it runs, or its task is pending). Its response may be complete (a host's
    /// early end, a file), and then it goes out, but the exchange is the handler's until it returns: the line keeps it,
    /// and the responses behind it, until then, and a connection that ends meanwhile leaves it to the handler's end, so
    /// it is never reset and handed to another request while the handler (or the host's end of it) still uses it.
    /// </summary>
    internal bool HandlerRunning { get; private set; }

    /// <summary>Where this request's state lies now, for a thread that will read it to ask for ahead (see <see cref="RequestLines"/>).</summary>
    internal RequestLines Lines
    {
        get
        {
            var headers = Head.Headers;
            var bytes = _head.Span;
            return new RequestLines(CacheLines.AddressOf(this), CacheLines.AddressOf(Head),
                CacheLines.AddressOf(headers), headers.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<HeaderField>(),
                CacheLines.AddressOf(bytes), bytes.Length);
        }
    }

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
        HandlerRunning = false;
        RunHandlerEnded();
        _connection?.OnAsyncHandlerCompleted(this, failure);
    }

    // The minimum data rates this request set for itself in place of the server's (as Kestrel's
    // IHttpMinRequestBodyDataRateFeature and IHttpMinResponseDataRateFeature, which a long upload or a slow stream
    // turns off): set on any thread, read by the reactor at its tick, each a boxed DataRate swapped whole, null for the
    // server's. Here with the rest of the exchange rather than in a room of their own: a request that sets none pays
    // two stores at its reset and nothing else.
    private object? _minBodyDataRate;
    private object? _minResponseDataRate;

    /// <summary>This request's body must arrive at least at <paramref name="rate"/> (bytes per second 0: no minimum); null: the server's.</summary>
    internal void SetMinBodyDataRate(DataRate? rate) => Volatile.Write(ref _minBodyDataRate, rate);

    /// <summary>The client must take this request's response at least at <paramref name="rate"/> (0: no minimum); null: the server's.</summary>
    internal void SetMinResponseDataRate(DataRate? rate) => Volatile.Write(ref _minResponseDataRate, rate);

    /// <summary>The rate this request's body is held to: its own, or <paramref name="server"/>'s.</summary>
    internal DataRate MinBodyDataRate(DataRate server) => Volatile.Read(ref _minBodyDataRate) is DataRate own ? own : server;

    /// <summary>The rate the client must read this request's response at: its own, or <paramref name="server"/>'s.</summary>
    internal DataRate MinResponseDataRate(DataRate server) => Volatile.Read(ref _minResponseDataRate) is DataRate own ? own : server;

    /// <summary>The response's own rate as set (boxed), for the connection to go on holding its client to it while its bytes leave.</summary>
    internal object? OwnMinResponseDataRate => Volatile.Read(ref _minResponseDataRate);

    /// <summary>
    /// Which use of this pooled exchange this is: a subscriber that outlives its handler (an event stream kept by a
    /// topic) compares it to the one it began with, and writes nothing into a later request's response.
    /// </summary>
    internal int Generation { get; private set; }

    /// <summary>
    /// Runs <paramref name="callback"/> on the reactor once the handler is done with this exchange: when its task
    /// completes, or at the latest when the exchange goes back to the pool. One at a time (an event stream's topics).
    /// </summary>
    internal void OnHandlerEnded(Action<object> callback, object state)
    {
        if (_handlerEnded is not null)
        {
            throw new InvalidOperationException("The exchange already has a callback for the end of its handler.");
        }
        (_handlerEnded, _handlerEndedState) = (callback, state);
    }

    private void RunHandlerEnded()
    {
        if (_handlerEnded is { } callback)
        {
            var state = _handlerEndedState!;
            (_handlerEnded, _handlerEndedState) = (null, null);
            callback(state);
        }
    }

    /// <summary>Makes the exchange ready for another request, returning what it rented.</summary>
    internal void Reset()
    {
        RunHandlerEnded();
        Generation++;
        _routed = false;
        if (HandlerLeftWorkBehind)
        {
            HandlerLeftWorkBehind = false;
            (ApplicationState as IExchangeState)?.Retire($"{MethodName} {TargetText}");
            ApplicationState = null; // the next request gets state of its own
        }
        _head.Release();
        if (_hasBody)
        {
            _hasBody = false;
            _body.Reset();
        }
        ResetResponse();
        _minBodyDataRate = _minResponseDataRate = null;
        _connection = null;
        WantsClose = _closeRequired = false;
        AbortedBy = ConnectionError.None;
        _pending = default;
        HandlerRunning = false;
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
}
