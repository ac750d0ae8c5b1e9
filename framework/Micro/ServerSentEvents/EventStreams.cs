namespace Micro.ServerSentEvents;

/// <summary><c>var events = res.EventStream();</c>: turns a response into a server-sent event stream.</summary>
public static class EventStreams
{
    /// <summary>
    /// Starts the stream: 200, Content-Type text/event-stream, no caching, and X-Accel-Buffering: no (so nginx passes
    /// each event on at once), sent now, so the client's EventSource opens before the first event (under
    /// <c>app.UseCompression()</c>, naming the encoding the events will have). Then send events with
    /// <see cref="EventStream.SendEventAsync"/> until <see cref="EventStream.Closing"/>.
    /// </summary>
    public static EventStream EventStream(this Response res)
    {
        ArgumentNullException.ThrowIfNull(res);
        res.Header("Content-Type", "text/event-stream; charset=utf-8")
            .Header("Cache-Control", "no-cache")
            .Header("X-Accel-Buffering", "no");
        var events = new EventStream(res.Request, res);
        if (res.BodyFilter is { } filter)
        {
            filter.Open(res);
        }
        else
        {
            res.Exchange.StartStreaming(Http.ResponseFramer.UnknownLength); // chunked, its head out at the end of this turn
        }
        return events;
    }
}
