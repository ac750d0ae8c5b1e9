namespace Micro.Http;

/// <summary>
/// The connection's clocks, advanced by the reactor's coarse tick: request head, request body rate, response rate,
/// keep-alive. Time the server spends holding the client back (output full, pipeline full, responses held) does
/// not count against the client.
/// </summary>
internal sealed partial class HttpConnection
{
    public void OnTick(long now)
    {
        var sinceLastTick = _clock.Tick(now);
        var options = state.Options;
        if (ClientIsTooSlowToRead(now))
        {
            state.Log.Timeout(RemoteEndPoint, "the client reads the response slower than the minimum data rate");
            _closing = true;
            transport.Close(); // no answer can reach a client that does not read
            return;
        }
        // The server's time: its output is full, it stopped reading, or a handler ahead of the client's next request
        // still runs (Kestrel starts the head's clock only when it starts reading that request). Not a streamed
        // upload's own handler: that one runs by design while its body arrives, on the client's clock.
        var serverHolds = transport.IsOutputFull || IsPaused(ReadPause.PipelineFull | ReadPause.ResponsesHeld) || (_inFlight.Count > 0 && _bodyPipe is null);
        if (serverHolds)
        {
            // Paused, not restarted: the client keeps the time it had used, and gets none of the server's.
            _clock.Hold(sinceLastTick);
            _bodyReader?.HoldClock(sinceLastTick);
        }
        if (_bodyPipe is not null && !IsPaused(ReadPause.BodyReaderFull) && !_closing)
        {
            if (_bodyReader!.ArrivesTooSlowly(now))
            {
                state.Log.Timeout(RemoteEndPoint, "the request body arrives slower than the minimum data rate");
                FailStreamedBody(408, "The request body arrived slower than the minimum data rate.");
            }
            return;
        }
        if (_closing || _inFlight.Count > 0)
        {
            return;
        }
        if (_receivingBody is not null)
        {
            if (_bodyReader!.ArrivesTooSlowly(now))
            {
                var exchange = _receivingBody;
                _receivingBody = null; // before the rejection, which may close the connection and release what it still holds
                TimeOut(exchange, "the request body arrives slower than the minimum data rate");
            }
        }
        else if ((_parsing is not null || transport.HasBufferedInput) && !serverHolds)
        {
            if (_clock.HeadOverdue(now, options.RequestHeadersTimeout))
            {
                var exchange = _parsing ?? state.RentExchange();
                _parsing = null;
                TimeOut(exchange, "the request head did not arrive within the headers timeout");
            }
        }
        else if (state.ShuttingDown && transport.Output.IsEmpty && _clock.IdleLongerThan(now, IdleGraceOnShutdown))
        {
            CloseAfterResponses(); // stopping, and no request came in the grace (see IdleGraceOnShutdown)
        }
        else if (transport.Output.IsEmpty && _clock.IdleLongerThan(now, options.KeepAliveTimeout))
        {
            state.Log.Timeout(RemoteEndPoint, "idle past the keep-alive timeout");
            _closing = true;
            transport.Close();
        }
    }

    /// <summary>
    /// Kestrel's MinResponseDataRate, the transport's rule: once the socket refuses bytes, the client must take them at
    /// the minimum rate, averaged since then, after a grace period. Buffered, streamed and sendfile responses alike.
    /// </summary>
    private bool ClientIsTooSlowToRead(long now) => transport.ReadsSlowerThan(state.Options.MinResponseDataRate, now);

    private void TimeOut(HttpExchange exchange, string reason)
    {
        state.Log.Timeout(RemoteEndPoint, reason);
        Reject(exchange, 408);
    }
}
