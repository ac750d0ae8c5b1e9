using Micro.Transport;
using Microsoft.Extensions.Logging;

namespace Micro.Http;

/// <summary>What the HTTP connections of one reactor share: the handler, the options, a pool of exchanges, the log.</summary>
internal sealed class HttpReactorState
{
    private readonly StopSignal _stop;

    public HttpReactorState(Reactor reactor, HttpHandler handler, HttpServerOptions options, HttpLog log, StopSignal stop)
    {
        (Reactor, Handler, Options, Log, _stop) = (reactor, handler, options, log, stop);
        reactor.Tick += _ => TrimIdle(); // after a burst, the exchanges it needed go back bit by bit
    }

    private readonly Stack<HttpExchange> _exchanges = new();
    private IdleSurplus _surplus;

    /// <summary>Exchanges kept through any quiet time.</summary>
    private const int ExchangeFloor = 64;

    public Reactor Reactor { get; }
    public HttpHandler Handler { get; }
    public HttpServerOptions Options { get; }
    public HttpLog Log { get; }
    /// <summary>True from the moment a stop begins, on every reactor at once: responses written after it say Connection: close.</summary>
    public bool Stopping => _stop.HasBegun;

    public HttpExchange RentExchange()
    {
        if (_exchanges.TryPop(out var exchange))
        {
            _surplus.Note(_exchanges.Count);
            exchange.IsPooled = false;
            return exchange;
        }
        _surplus.Note(0);
        return new HttpExchange(Reactor.Pool);
    }

    /// <summary>
    /// Exchanges kept for reuse per reactor: enough for a reactor's requests in flight when they run off it (256
    /// connections pipelining sixteen deep over two reactors is 2,048 each); beyond it they are left to the collector.
    /// </summary>
    private const int MaxPooledExchanges = 4096;

    /// <summary>Lets go of half the pooled exchanges no request needed since the last call (the reactor's tick); returns how many.</summary>
    public int TrimIdle()
    {
        var surplus = _surplus.Take(_exchanges.Count, ExchangeFloor);
        for (var i = 0; i < surplus; i++)
        {
            _exchanges.Pop().IsPooled = false; // no longer the pool's: it goes to the collector with what it holds
        }
        return surplus;
    }

    /// <summary>
    /// Takes an exchange back. A second return of the same exchange is refused: pooled twice, it would be rented to
    /// two requests at once and one client could receive another's response.
    /// </summary>
    public void ReturnExchange(HttpExchange exchange)
    {
        if (exchange.IsPooled)
        {
            System.Diagnostics.Debug.Fail("An exchange was returned to the pool twice.");
            Log.DoubleReturn();
            return;
        }
        exchange.Reset();
        exchange.IsPooled = true;
        if (_exchanges.Count < MaxPooledExchanges)
        {
            _exchanges.Push(exchange);
        }
    }
}

/// <summary>The HTTP layer's log messages.</summary>
internal sealed partial class HttpLog(ILogger logger, Action<System.Net.IPEndPoint?, int, string>? requestRejected = null)
{
    private readonly ILogger _logger = new Transport.FailSafeLogger(logger);

    /// <summary>The logger itself (fail-safe), for a protocol that takes a connection over after an upgrade.</summary>
    public ILogger Logger => _logger;

    [LoggerMessage(10, LogLevel.Debug, "Connection from {Remote}: bad request, {Status} {Reason}.")]
    public partial void BadRequest(System.Net.IPEndPoint? remote, int status, string reason);

    /// <summary>A handler threw; the method and target are the client's, so they are escaped for the log (<see cref="LogText"/>).</summary>
    public void HandlerFailed(string method, string target, Exception exception) =>
        LogHandlerFailed(LogText.Escape(method), LogText.Escape(target), exception);

    [LoggerMessage(11, LogLevel.Error, "Request {Method} {Target} failed in its handler.")]
    private partial void LogHandlerFailed(string method, string target, Exception exception);

    /// <summary>A request refused before a handler saw it (a 4xx the server answers): to the host's observer, if any.</summary>
    public void Rejected(System.Net.IPEndPoint? remote, int status, string reason)
    {
        if (requestRejected is null || status >= 500)
        {
            return; // a 500 of the server's own making is no bad request
        }
        try
        {
            requestRejected(remote, status, reason);
        }
        catch (Exception exception)
        {
            RejectionObserverFailed(exception); // the observer's fault must not end the reactor
        }
    }

    [LoggerMessage(15, LogLevel.Error, "The observer of rejected requests threw.")]
    private partial void RejectionObserverFailed(Exception exception);

    [LoggerMessage(12, LogLevel.Debug, "Connection from {Remote}: {Reason}; closing.")]
    public partial void Timeout(System.Net.IPEndPoint? remote, string reason);

    [LoggerMessage(14, LogLevel.Error, "Connection from {Remote}: a callback registered on the request's abort token threw.")]
    public partial void AbortCallbackFailed(System.Net.IPEndPoint? remote, Exception exception);

    private int _doubleReturns;

    /// <summary>Exchanges returned to a pool they were already in (refused); zero unless there is a bug.</summary>
    public int DoubleReturns => Volatile.Read(ref _doubleReturns);

    public void DoubleReturn()
    {
        Interlocked.Increment(ref _doubleReturns);
        DoubleReturnRefused();
    }

    [LoggerMessage(13, LogLevel.Critical, "An exchange was returned to the pool twice; the second return was refused. This is a bug in Micro.")]
    private partial void DoubleReturnRefused();
}
