using Micro.Transport;
using Microsoft.AspNetCore.Connections;

namespace Micro.Http;

/// <summary>
/// How HTTP ends on a connection, the one owner of its <see cref="ConnectionPhase"/>: after the responses owed (a
/// response that says close, the client's FIN), at once (a timeout, the application's Abort), closed by the peer, or
/// switched to another protocol (an upgrade).
/// </summary>
internal sealed partial class HttpConnection
{
    private ConnectionPhase _phase;

    /// <summary>
    /// Hands the connection to the protocol the upgrade asked for: the 101 goes out, and the bytes received after the
    /// request (left with the transport) are delivered to the new protocol. This connection reads nothing more, and
    /// keeps nothing: the new protocol copies what it needs of the request, and the exchange goes back to the pool.
    /// </summary>
    private void SwitchProtocols(HttpExchange upgraded, Func<ProtocolSwitch, IConnectionProtocol> next)
    {
        _clock.Touch(_state.Reactor.Now);
        upgraded.SwitchTo = null;
        var protocol = next(new ProtocolSwitch(_transport, _state.Reactor, _state.Log.Logger, _state.Options.MinResponseDataRate));
        _state.ReturnExchange(upgraded);
        EndHttp(ConnectionPhase.Switched);
        _transport.SwitchProtocol(protocol);
        _transport.Flush();
    }

    /// <summary>
    /// A handler that ended its own connection before returning: its result is taken (a pooled source goes back) and
    /// its exchange, which the connection's end left to it, goes back to the pool; a failure is only logged, as there is
    /// no one left to answer.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private void EndedWithConnection(HttpExchange exchange, ValueTask completed)
    {
        System.Diagnostics.Debug.Assert(completed.IsCompleted, "Only a completed task's result is taken here: the reactor never waits.");
        exchange.OnHandlerReturned();
        try
        {
            completed.GetAwaiter().GetResult(); // completed: returns or throws at once
        }
        catch (Exception exception)
        {
            _state.Log.HandlerFailed(exchange.MethodName, exchange.TargetText, exception);
        }
        _state.ReturnExchange(exchange);
    }

    private void CloseAfterResponses()
    {
        if (_phase is not (ConnectionPhase.Serving or ConnectionPhase.Closing))
        {
            return;
        }
        _phase = ConnectionPhase.Closing;
        _reader.Stop();
        _transport.CloseAfterFlush();
    }

    /// <summary>
    /// At a stop, an idle connection (nothing owed, nothing unsent, nothing received) closes at once, as one idle past
    /// the keep-alive timeout does: a lingering close protects answers still on their way to the client, and there are
    /// none, while the client's pool would hold the connection open until the linger ran out and the stop waited for it.
    /// </summary>
    private void CloseIdleAtStop()
    {
        _phase = ConnectionPhase.Closing;
        _reader.Stop();
        _transport.Close();
    }

    private void Close(string reason, ConnectionError error)
    {
        _state.Log.Timeout(RemoteEndPoint, reason);
        _transport.NoteEnd(error);
        _phase = ConnectionPhase.Closing;
        _transport.Close();
    }

    public void OnClosed() => EndHttp(ConnectionPhase.Closed);

    /// <summary>
    /// The connection closes now, without the responses owed: the application gave up on it (as HttpContext.Abort), or
    /// the client went; <paramref name="why"/> is the error it ends in, if any.
    /// </summary>
    public void Abort(ConnectionError why)
    {
        if (_phase is ConnectionPhase.Serving or ConnectionPhase.Closing)
        {
            _transport.NoteEnd(why);
            _phase = ConnectionPhase.Closing;
            _transport.Close();
        }
    }

    /// <summary>HTTP is over on this connection (closed, or switched to another protocol): what it holds goes back, and everything waiting learns it.</summary>
    private void EndHttp(ConnectionPhase end)
    {
        _phase = end;
        if (ServerMetrics.RequestsPerConnection.Enabled)
        {
            ServerMetrics.RequestsPerConnection.Record(_requests);
        }
        var gone = ClientGone();
        _line.Abandon(gone); // a handler still running keeps its exchange (OnAsyncHandlerCompleted returns it); a write it waits in fails now
        _reader.Release(new ConnectionResetException("The client closed the connection before the request body was complete."));
        if (_abortedSource is { } aborted)
        {
            try
            {
                aborted.Cancel(); // callbacks run here, on the reactor; one that throws must not stop the rest of the close
            }
            catch (AggregateException exception)
            {
                _state.Log.AbortCallbackFailed(RemoteEndPoint, exception);
            }
        }
        CancelClosing();
    }
}
