using System.Net;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// HTTP/1.1 on one connection: parses every complete request in what was received, runs each handler, keeps the
/// responses in request order (an async handler holds back those behind it), and sends them with one write per
/// batch. Runs on the connection's reactor thread only.
/// </summary>
internal sealed partial class HttpConnection(IConnectionTransport transport, HttpReactorState state) : IConnectionProtocol
{
    private ExchangeQueue _inFlight;
    private HttpExchange? _parsing;
    private ConnectionClock _clock = new(state.Reactor.Now);
    private bool _stopParsing;
    private bool _inReceive;
    private bool _closing;
    private bool _closed;
    private int _requests;
    private int _bytesAhead;

    public IPEndPoint? RemoteEndPoint => transport.RemoteEndPoint;

    public OutputBuffer Output => transport.Output;

    public bool IsShuttingDown => state.ShuttingDown;

    /// <summary>
    /// Whether the client has sent more than the requests dispatched so far: bytes after the one being dispatched in
    /// what was just received, or kept from before. While the server stops, those pipelined requests are still answered.
    /// </summary>
    public bool HasRequestsAhead => _inReceive ? _bytesAhead > 0 : transport.HasBufferedInput; // while receiving, the transport's buffer is the one being parsed

    public bool IsOnReactorThread => state.Reactor.IsOnReactorThread;

    public int OnReceived(byte[] buffer, int length)
    {
        _clock.Touch(state.Reactor.Now);
        var offset = 0;
        ParseAndDispatch(buffer, length, ref offset);
        // A request whose body is still to come must not keep pointing into a buffer the transport is about to reuse.
        _receivingBody?.DetachFromReceiveBuffer();
        transport.Flush(); // corked: the answers leave once this returns, and what is left comes back if there is room
        if (_closed)
        {
            return length;
        }
        // After an upgrade request, what follows stays with the transport: the next protocol's bytes, or the next request's.
        return ((_stopParsing && _bodyPipe is null) || _closed) && !IsPaused(ReadPause.UpgradePending) ? length : offset;
    }

    /// <summary>Parses and dispatches requests from <paramref name="offset"/>, until the bytes run out or the connection cannot take more.</summary>
    private void ParseAndDispatch(byte[] buffer, int length, ref int offset)
    {
        _inReceive = true;
        try
        {
            while (offset < length && !_closed && (!_stopParsing || _bodyPipe is not null) && !IsPaused(ReadPause.UpgradePending))
            {
                if (_bodyPipe is not null)
                {
                    offset += ReceiveStreamedBody(buffer, offset, length);
                    if (_bodyPipe is not null)
                    {
                        break; // more of the body is to come, or the handler has not read what is here yet
                    }
                    continue;
                }
                if (_receivingBody is not null)
                {
                    offset += ReceiveBody(buffer, offset, length);
                    if (_receivingBody is not null)
                    {
                        break;
                    }
                    continue;
                }
                if (_inFlight.Count >= state.Options.MaxPipelinedRequests)
                {
                    Pause(ReadPause.PipelineFull);
                    break;
                }
                if (transport.IsOutputFull)
                {
                    break; // the transport sends, and hands back the rest once there is room
                }
                if (_inFlight.Count > 0 && HeldBytes() > state.Options.MaxResponseBufferSize)
                {
                    // Responses waiting behind an unfinished one hold this much already: run no more handlers
                    // until they have gone out, or a few bytes of requests could make the server hold megabytes.
                    PauseForHeldResponses();
                    break;
                }
                if (_parsing is null)
                {
                    _parsing = state.RentExchange();
                    _clock.StartHead(state.Reactor.Now);
                }
                var exchange = _parsing;
                var status = RequestParser.Parse(buffer.AsSpan(offset, length - offset), exchange.Head, state.Options.ParserLimits);
                if (status == ParseStatus.Incomplete)
                {
                    break;
                }
                _parsing = null;
                if (status == ParseStatus.Error)
                {
                    var error = exchange.Head.Error;
                    state.Log.BadRequest(RemoteEndPoint, error.StatusCode(), error.Describe());
                    Reject(exchange, error.StatusCode());
                    break;
                }
                var head = exchange.Head;
                exchange.SetRequest(buffer, offset, head.HeadLength);
                offset += head.HeadLength;
                if (head.Framing == BodyFraming.None)
                {
                    _bytesAhead = length - offset;
                    Dispatch(exchange);
                    continue;
                }
                if (head.ContentLength > state.Options.MaxRequestBodySize)
                {
                    Reject(exchange, 413);
                    break;
                }
                StartBody(exchange, length - offset);
                if (ShouldStreamBody(exchange))
                {
                    StartStreamedBody(exchange);
                }
            }
        }
        finally
        {
            _inReceive = false;
            _bytesAhead = 0; // what is left is parsed already, or kept by the transport (HasBufferedInput)
        }
    }

    private void Dispatch(HttpExchange exchange)
    {
        _requests++;
        exchange.Start(this, _inFlight.Count == 0 ? transport.Output : exchange.PrivateOutput);
        _inFlight.Enqueue(exchange);
        if (exchange.Head.ConnectionUpgrade && exchange.Head.KeepAlive)
        {
            Pause(ReadPause.UpgradePending); // until this exchange leaves the line (ReleaseCompleted)
        }
        if (!exchange.Head.KeepAlive)
        {
            _stopParsing = true; // nothing after a request that closes the connection is answered
        }
        ValueTask pending;
        var reactor = state.Reactor;
        var asyncVoidBefore = reactor.SynchronizationContext.AsyncVoidStarted;
        reactor.Running = exchange; // what the watchdog names if the handler never returns
        try
        {
            pending = state.Handler(exchange);
        }
        catch (Exception exception)
        {
            HandlerFailed(exchange, exception);
            pending = default;
        }
        reactor.Running = null;
        if (reactor.SynchronizationContext.AsyncVoidStarted != asyncVoidBefore)
        {
            exchange.HandlerLeftWorkBehind = true; // its handles are retired when the exchange is done
        }
        if (pending.IsCompleted)
        {
            try
            {
                pending.GetAwaiter().GetResult();
                if (!exchange.IsCompleted)
                {
                    exchange.Complete();
                }
            }
            catch (Exception exception)
            {
                HandlerFailed(exchange, exception);
            }
            ReleaseCompleted();
            return;
        }
        exchange.DetachFromReceiveBuffer();
        exchange.SetPending(pending);
        // Registered on the reactor thread, so the callback is posted back here through the reactor's context.
        pending.GetAwaiter().OnCompleted(exchange.CompletionCallback);
    }

    private void HandlerFailed(HttpExchange exchange, Exception exception)
    {
        state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
        exchange.Fail();
    }

    internal void OnAsyncHandlerCompleted(HttpExchange exchange, Exception? failure)
    {
        if (_closed)
        {
            state.ReturnExchange(exchange); // orphaned when the connection went away while its handler ran
            return;
        }
        if (failure is not null)
        {
            HandlerFailed(exchange, failure);
        }
        else if (!exchange.IsCompleted)
        {
            exchange.Complete();
        }
        ReleaseCompleted();
        if (!_closed)
        {
            transport.Flush();
        }
    }

    /// <summary>Moves every completed response at the front of the queue to the connection's output, in order.</summary>
    private void ReleaseCompleted()
    {
        if (_streamingExchange is { IsCompleted: true })
        {
            // The handler is done with the body: the rest of it is read and dropped, so the connection can go on.
            _streamingExchange = null;
            _bodyPipe?.DetachReader();
        }
        while (_inFlight.TryPeek(out var first) && first.IsCompleted)
        {
            _inFlight.Dequeue();
            first.MovePrivateOutputTo(transport.Output);
            if (first.Head.ConnectionUpgrade && IsPaused(ReadPause.UpgradePending))
            {
                if (first.SwitchTo is { } protocol && !first.AbortConnection && !_closing)
                {
                    SwitchProtocols(first, protocol);
                    return;
                }
                _readPauses &= ~ReadPause.UpgradePending; // answered as ordinary HTTP: parsing goes on (UpdateReading below)
            }
            var close = first.WantsClose || first.AbortConnection;
            state.ReturnExchange(first);
            if (close)
            {
                CloseAfterResponses();
                return;
            }
        }
        if (_inFlight.TryPeek(out var next))
        {
            next.MovePrivateOutputTo(transport.Output); // the new head of the line writes, and streams, directly
            next.ReleaseTurnWaiter(null);               // and a producer that waited for its turn goes on
        }
        else
        {
            _clock.Touch(state.Reactor.Now);
            if ((state.ShuttingDown && !HasRequestsAhead) || transport.InputEnded)
            {
                CloseAfterResponses();
                return;
            }
        }
        if (IsPaused(ReadPause.PipelineFull) && _inFlight.Count < state.Options.MaxPipelinedRequests)
        {
            Resume(ReadPause.PipelineFull);
        }
        ResumeIfResponsesWentOut();
    }

    /// <summary>
    /// Hands the connection to the protocol the upgrade asked for: the 101 goes out, and the bytes received after the
    /// request (left with the transport) are delivered to the new protocol. This connection reads nothing more, and
    /// keeps nothing: the new protocol copies what it needs of the request, and the exchange goes back to the pool.
    /// </summary>
    private void SwitchProtocols(HttpExchange upgraded, Func<ProtocolSwitch, IConnectionProtocol> next)
    {
        _stopParsing = true;
        _clock.Touch(state.Reactor.Now);
        upgraded.SwitchTo = null;
        var protocol = next(new ProtocolSwitch(transport, state));
        state.ReturnExchange(upgraded);
        EndHttp();
        transport.SwitchProtocol(protocol);
        transport.Flush();
    }

    private void CloseAfterResponses()
    {
        _closing = true;
        _stopParsing = true;
        transport.CloseAfterFlush();
    }

    /// <summary>Answers a request the server refuses (bad request, too large, timeout) after the responses before it, then closes.</summary>
    private void Reject(HttpExchange exchange, int statusCode)
    {
        exchange.Start(this, _inFlight.Count == 0 ? transport.Output : exchange.PrivateOutput);
        exchange.CompleteWithError(statusCode);
        _inFlight.Enqueue(exchange);
        _stopParsing = true;
        ReleaseCompleted();
    }

    /// <summary>The "Server: ...\r\n" line of every response (empty when turned off).</summary>
    internal byte[] ServerLine => state.Options.ServerLine;

    public void OnInputEnded()
    {
        if (_bodyPipe is not null)
        {
            FailStreamedBody(400, "The connection ended before the request body was complete.");
        }
        _stopParsing = true;
        if (_inFlight.Count == 0)
        {
            CloseAfterResponses();
        }
    }

    /// <summary>
    /// At a graceful stop, how long a connection must have been idle to be closed. One in use just before (a client
    /// between two requests, or one that has just connected) may be sending its next request right now: closing it
    /// would fail that request, which never reached the server, and a client may not send a POST again on its own. So
    /// it gets this long to send one, answered with Connection: close; HTTP/1.1 has no other way to say "no more".
    /// </summary>
    internal static readonly TimeSpan IdleGraceOnShutdown = TimeSpan.FromSeconds(1);

    public void OnShutdown()
    {
        // A request partly received is in flight as far as its client knows: it is finished and answered, with
        // Connection: close (the head timeout and the body's minimum rate still bound how long that may take).
        if (_inFlight.Count == 0 && _parsing is null && _receivingBody is null && _bodyPipe is null && !transport.HasBufferedInput
            && _clock.IdleLongerThan(state.Reactor.Now, IdleGraceOnShutdown))
        {
            CloseAfterResponses();
        }
    }

    public void OnClosed()
    {
        _closed = true;
        EndHttp();
    }

    /// <summary>HTTP is over on this connection (closed, or switched to another protocol): what it holds goes back.</summary>
    private void EndHttp()
    {
        if (ServerMetrics.RequestsPerConnection.Enabled)
        {
            ServerMetrics.RequestsPerConnection.Record(_requests);
        }
        while (_inFlight.TryDequeue(out var exchange))
        {
            if (exchange.IsCompleted)
            {
                state.ReturnExchange(exchange);
            }
            else
            {
                // Its handler still runs (OnAsyncHandlerCompleted returns it); a write it waits in fails now.
                exchange.ReleaseTurnWaiter(ClientGone());
            }
        }
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
        _bodyPipe?.Fail(new Microsoft.AspNetCore.Connections.ConnectionResetException("The client closed the connection before the request body was complete."));
        _bodyPipe = null;
        _streamingExchange = null;
        ReleaseWaitersOnClose();
    }
}
