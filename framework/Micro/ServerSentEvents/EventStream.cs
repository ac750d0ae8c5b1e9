using System.Text;

namespace Micro.ServerSentEvents;

/// <summary>
/// A server-sent event stream (the HTML standard's text/event-stream): events written as they happen, each sent at
/// once (and compressed per event when <c>app.UseCompression()</c> applies), with backpressure from the client.
/// Comments keep idle proxies from closing it (<see cref="StartHeartbeats"/>); a client that reconnects says the last
/// event it saw (<see cref="LastEventId"/>). The stream ends when the handler returns: loop while
/// <see cref="Closing"/> is not cancelled (the client went, or the server's graceful stop began). A stream can also
/// subscribe to the app's topics (<see cref="Subscribe"/>) and receive what <c>app.Publish</c> sends them.
/// </summary>
public sealed partial class EventStream
{
    private readonly Response _response;
    private readonly Http.HttpExchange _exchange;
    private readonly int _generation; // the exchange's use this stream answers: a topic's late message never reaches a later request
    private readonly Topics.TopicHub? _hub;
    private readonly StringBuilder _event = new();
    private bool _sending;
    private PeriodicTimer? _heartbeats;

    internal EventStream(Request request, Response response)
    {
        _response = response;
        _exchange = response.Exchange;
        _generation = _exchange.Generation;
        _hub = request.App?.Topics;
        LastEventId = request.Header("Last-Event-ID");
        Closing = request.Exchange.Closing;
    }

    /// <summary>
    /// Cancelled when the stream should end: the client went (its connection closed, or it shut its side), or the
    /// server's graceful stop began. A handler loops on it and returns, and the stream ends cleanly:
    /// <c>while (!events.Closing.IsCancellationRequested) { await events.SendEventAsync(...); await Task.Delay(1000, events.Closing); }</c>
    /// (a delay cancelled by it ends the handler quietly too).
    /// </summary>
    public CancellationToken Closing { get; }

    /// <summary>The id of the last event the client saw, from its Last-Event-ID header when it reconnects; null on a first connection.</summary>
    public string? LastEventId { get; }

    /// <summary>
    /// Sends one event: <paramref name="data"/> (several lines become several data fields, and arrive as one string
    /// with its line breaks), with an optional event type and id. The id is what the client sends back as
    /// Last-Event-ID when it reconnects. Waits while the client reads slower than events are made.
    /// </summary>
    public ValueTask SendEventAsync(string data, string? eventType = null, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        RequireOneLine(eventType, nameof(eventType));
        RequireOneLine(id, nameof(id));
        if (id?.Contains('\0') == true)
        {
            throw new ArgumentException("An event id cannot contain NUL.", nameof(id));
        }
        _event.Clear();
        AppendEvent(_event, data, eventType, id);
        return Write(_event.ToString(), cancellationToken);
    }

    /// <summary>Sends a comment line, which clients ignore: a heartbeat through proxies that close idle connections.</summary>
    public ValueTask SendCommentAsync(string comment = "", CancellationToken cancellationToken = default)
    {
        RequireOneLine(comment, nameof(comment));
        return Write($": {comment}\n\n", cancellationToken);
    }

    /// <summary>Tells the client how long to wait before it reconnects, when the connection is lost.</summary>
    public ValueTask SetRetryAsync(TimeSpan delay, CancellationToken cancellationToken = default) =>
        Write($"retry: {(long)delay.TotalMilliseconds}\n\n", cancellationToken);

    /// <summary>
    /// Sends a comment every <paramref name="interval"/> while no event is being written, until the client goes or
    /// <see cref="StopHeartbeats"/>: one timer per stream, its ticks run on the connection's reactor.
    /// </summary>
    public void StartHeartbeats(TimeSpan interval)
    {
        if (_heartbeats is not null)
        {
            throw new InvalidOperationException("Heartbeats are already running on this stream.");
        }
        _heartbeats = new PeriodicTimer(interval);
        _ = BeatAsync(_heartbeats);
    }

    /// <summary>Stops the heartbeats (the handler is about to return, or wants quiet).</summary>
    public void StopHeartbeats()
    {
        _heartbeats?.Dispose();
        _heartbeats = null;
    }

    private async Task BeatAsync(PeriodicTimer timer)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(Closing))
            {
                if (!_sending && !_response.Ended)
                {
                    await SendCommentAsync("", Closing);
                }
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The client went, or the handler returned: the heartbeats end with the stream.
        }
        finally
        {
            timer.Dispose();
        }
    }

    private async ValueTask Write(string text, CancellationToken cancellationToken)
    {
        _sending = true;
        try
        {
            await _response.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        }
        finally
        {
            _sending = false;
        }
    }

    /// <summary>One event as the standard frames it: its type and id fields, a data field per line, a blank line.</summary>
    private static StringBuilder AppendEvent(StringBuilder text, string data, string? eventType, string? id)
    {
        if (eventType is not null)
        {
            text.Append("event: ").Append(eventType).Append('\n');
        }
        if (id is not null)
        {
            text.Append("id: ").Append(id).Append('\n');
        }
        foreach (var line in data.ReplaceLineEndings("\n").Split('\n'))
        {
            text.Append("data: ").Append(line).Append('\n');
        }
        return text.Append('\n');
    }

    private static void RequireOneLine(string? value, string name)
    {
        if (value is not null && value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("Event fields, ids and comments are one line: no CR or LF.", name);
        }
    }
}
