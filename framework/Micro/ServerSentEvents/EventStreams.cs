namespace Micro.ServerSentEvents;

/// <summary><c>var events = res.EventStream();</c>: turns a response into a server-sent event stream.</summary>
public static class EventStreams
{
    /// <summary>
    /// Starts the stream: 200, Content-Type text/event-stream, no caching, and X-Accel-Buffering: no (so nginx passes
    /// each event on at once). Then send events with <see cref="EventStream.SendEventAsync"/> until the client goes.
    /// </summary>
    public static EventStream EventStream(this Response res)
    {
        ArgumentNullException.ThrowIfNull(res);
        res.Header("Content-Type", "text/event-stream; charset=utf-8")
            .Header("Cache-Control", "no-cache")
            .Header("X-Accel-Buffering", "no");
        return new EventStream(res.Request, res);
    }
}
