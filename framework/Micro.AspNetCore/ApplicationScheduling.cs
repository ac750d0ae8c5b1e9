namespace Micro.AspNetCore;

/// <summary>Where an ASP.NET Core application's request processing runs on Micro.</summary>
public enum ApplicationScheduling
{
    /// <summary>
    /// On the thread pool, as Kestrel runs it: application code may block (sync over async, a slow lock) without
    /// stalling the other connections of its reactor. Costs two thread hops per request.
    /// </summary>
    ThreadPool,

    /// <summary>
    /// On the connection's reactor thread, continuations coming back to it: no thread hop, the cheapest per request.
    /// For applications that never block: code that blocks stalls every connection of that reactor (the reactor
    /// watchdog reports it).
    /// </summary>
    Inline,
}
