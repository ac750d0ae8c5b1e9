namespace Micro.Http;

/// <summary>What a connection's tick decided.</summary>
internal enum TimeoutAction : byte
{
    None,
    /// <summary>The client reads responses slower than the minimum data rate: close, no answer can reach it.</summary>
    CloseSlowReader,
    /// <summary>A streamed body arrives slower than the minimum data rate: its reader gets 408, the connection closes after.</summary>
    FailStreamedBody,
    /// <summary>A buffered body arrives too slowly: answer 408 and close.</summary>
    TimeOutBody,
    /// <summary>A request head did not arrive within the headers timeout: answer 408 and close.</summary>
    TimeOutHead,
    /// <summary>The server is stopping and the connection has been idle past the grace: close after what it owes.</summary>
    CloseIdleAtShutdown,
    /// <summary>Idle past the keep-alive timeout: close.</summary>
    CloseIdle,
}

/// <summary>What a connection's timeouts look at, taken at a tick.</summary>
internal readonly record struct TimeoutView(
    bool ClientReadsTooSlowly,
    ReaderPhase Reader,
    bool BodyArrivesTooSlowly,
    bool BodyReaderFull,
    bool ServerHolds,
    bool Closing,
    bool ResponsesOwed,
    bool BytesWaiting,
    bool OutputEmpty,
    bool Stopping);

/// <summary>
/// Every timeout of an HTTP connection in one place, as a function of its state, its clock and the time (Kestrel's
/// TimeoutControl): the head within RequestHeadersTimeout, a body at MinRequestBodyDataRate, responses taken at
/// MinResponseDataRate, idle at most KeepAliveTimeout, and at a stop, idle connections closed after a grace. No clock
/// of its own: unit-tested with any time.
/// </summary>
internal static class ConnectionTimeouts
{
    /// <summary>
    /// At a graceful stop, how long a connection must have been idle to be closed. One in use just before (a client
    /// between two requests, or one that has just connected) may be sending its next request right now: closing it
    /// would fail that request, which never reached the server, and a client may not send a POST again on its own. So
    /// it gets this long to send one, answered with Connection: close; HTTP/1.1 has no other way to say "no more".
    /// </summary>
    public static readonly TimeSpan IdleGraceOnStop = TimeSpan.FromSeconds(1);

    public static TimeoutAction Decide(in TimeoutView view, in ConnectionClock clock, long now, HttpServerOptions options)
    {
        if (view.ClientReadsTooSlowly)
        {
            return TimeoutAction.CloseSlowReader;
        }
        if (view.Reader == ReaderPhase.StreamedBody && !view.BodyReaderFull && !view.Closing)
        {
            // A streamed upload's handler runs by design while its body arrives: the body's rate is the client's.
            return view.BodyArrivesTooSlowly ? TimeoutAction.FailStreamedBody : TimeoutAction.None;
        }
        if (view.Closing || view.ResponsesOwed)
        {
            return TimeoutAction.None; // the server's time: what it owes goes out first
        }
        if (view.Reader == ReaderPhase.Body)
        {
            return view.BodyArrivesTooSlowly ? TimeoutAction.TimeOutBody : TimeoutAction.None;
        }
        if ((view.Reader == ReaderPhase.Head || view.BytesWaiting) && !view.ServerHolds)
        {
            return clock.HeadOverdue(now, options.RequestHeadersTimeout) ? TimeoutAction.TimeOutHead : TimeoutAction.None;
        }
        if (view.Stopping && view.OutputEmpty && clock.IdleLongerThan(now, IdleGraceOnStop))
        {
            return TimeoutAction.CloseIdleAtShutdown;
        }
        return view.OutputEmpty && clock.IdleLongerThan(now, options.KeepAliveTimeout) ? TimeoutAction.CloseIdle : TimeoutAction.None;
    }
}
