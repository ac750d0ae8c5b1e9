using System.Text;
using Micro.Http;
using Micro.Topics;

namespace Micro.ServerSentEvents;

/// <summary>
/// Topics on an event stream: it subscribes on its connection's reactor, as a WebSocket does, and each message
/// published to its topics arrives as one event, under the same backlog bound and slow-subscriber policy. Its
/// subscriptions end with the handler: <c>events.Subscribe("notes"); await events.WaitUntilClosingAsync();</c>.
/// </summary>
public sealed partial class EventStream : ITopicSubscriber
{
    private Dictionary<string, EventForm>? _subscriptions;
    private ReactorTopics? _registry;
    private bool _endsWithHandler;
    private TaskCompletionSource? _closed;
    private CancellationTokenRegistration _closingWait;

    /// <summary>
    /// Unsent bytes past which a published message is not queued for this stream (default 1 MiB): a client that reads
    /// slower than the topics publish misses messages, or is cut off (<see cref="SlowSubscribers"/>), rather than
    /// holding memory. The stream's own <see cref="SendEventAsync"/> waits instead.
    /// </summary>
    public int MaxPublishBacklog { get; set; } = 1024 * 1024;

    /// <summary>What a published message does for this stream past <see cref="MaxPublishBacklog"/>: it is missed (default), or the connection is closed.</summary>
    public SlowSubscriberPolicy SlowSubscribers { get; set; } = SlowSubscriberPolicy.Drop;

    /// <summary>
    /// Sends, from now until the handler returns, every message the app publishes to <paramref name="topic"/> (on
    /// any instance, with a backplane) as an event: its data lines, with <paramref name="eventType"/> as the event
    /// field when given. Text arrives as it was published; binary in base64. Call it from the handler (on its reactor).
    /// </summary>
    public void Subscribe(string topic, string? eventType = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        RequireOneLine(eventType, nameof(eventType));
        var connection = _exchange.Connection;
        if (_hub is null || connection is null)
        {
            throw new InvalidOperationException("Topics need the event stream to be served by a MicroApp.");
        }
        if (!connection.IsOnReactorThread)
        {
            throw new InvalidOperationException("An event stream's topics are changed on its reactor: from its handler, without ConfigureAwait(false).");
        }
        if (!IsLive)
        {
            return; // the client went or the stop began: nothing would reach it
        }
        _subscriptions ??= new(StringComparer.Ordinal);
        EndWithHandler();
        var known = _subscriptions.ContainsKey(topic);
        _subscriptions[topic] = new EventForm(eventType);
        if (!known)
        {
            (_registry ??= _hub.For(connection.Reactor)).Subscribe(topic, this);
        }
    }

    /// <summary>Stops sending <paramref name="topic"/>'s messages; the handler's end unsubscribes from everything.</summary>
    public void Unsubscribe(string topic)
    {
        if (_subscriptions?.Remove(topic) == true)
        {
            _registry!.Unsubscribe(topic, this);
        }
    }

    /// <summary>The topics this stream receives.</summary>
    public IReadOnlyCollection<string> Topics => _subscriptions?.Keys ?? (IReadOnlyCollection<string>)[];

    /// <summary>
    /// Completes when <see cref="Closing"/> is cancelled (the client went, or the server's graceful stop began),
    /// without throwing: for a handler that only relays its topics and returns then.
    /// </summary>
    public Task WaitUntilClosingAsync()
    {
        if (Closing.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }
        if (_closed is null)
        {
            _closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _closingWait = Closing.Register(static state => ((TaskCompletionSource)state!).TrySetResult(), _closed);
            EndWithHandler(); // the registration goes with the handler, not with the connection it may leave open
        }
        return _closed.Task;
    }

    /// <summary>What the stream took on (topics, a wait on Closing) is let go when its handler ends.</summary>
    private void EndWithHandler()
    {
        if (!_endsWithHandler)
        {
            _endsWithHandler = true;
            _exchange.OnHandlerEnded(static stream => ((EventStream)stream).HandlerEnded(), this);
        }
    }

    private void HandlerEnded()
    {
        UnsubscribeAll();
        _closingWait.Dispose();
    }

    /// <summary>True while this stream is still its request's answer and its client is there.</summary>
    private bool IsLive => _exchange.Generation == _generation && !_exchange.IsCompleted && !Closing.IsCancellationRequested;

    bool ITopicSubscriber.Deliver(TopicMessage message)
    {
        if (!IsLive || _subscriptions is null || !_subscriptions.TryGetValue(message.Topic, out var form))
        {
            return false;
        }
        var data = message.EncodedAs(form, static (message, form) => ((EventForm)form).Encode(message));
        if (_exchange.UnsentBytes + data.Length > MaxPublishBacklog)
        {
            if (SlowSubscribers == SlowSubscriberPolicy.Close)
            {
                // Not inline: closing now would run the connection's end while the publisher walks this reactor's subscribers.
                _exchange.Connection?.Reactor.PostLocal(static state => ((HttpConnection)state!).Abort(Transport.ConnectionError.OutputQueueSizeExceeded), _exchange.Connection);
            }
            TopicMetrics.Dropped("slow_subscriber");
            return false;
        }
        var written = _response.WriteAsync(data); // copied before it returns; what it waits for is room, for the next one
        if (!written.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(written);
        }
        return true;
    }

    /// <summary>A publish does not wait for the client; a failed write (the client went) ends the stream through Closing.</summary>
    private static async Task ObserveAsync(ValueTask written)
    {
        try
        {
            await written.ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
        }
    }

    private void UnsubscribeAll()
    {
        if (_subscriptions is { Count: > 0 } subscriptions)
        {
            foreach (var topic in subscriptions.Keys)
            {
                _registry!.Unsubscribe(topic, this);
            }
            subscriptions.Clear();
        }
    }

    /// <summary>How a topic's messages are written on event streams that subscribe with one event type: the same bytes for each of them.</summary>
    private sealed record EventForm(string? EventType)
    {
        public byte[] Encode(TopicMessage message)
        {
            var data = message.IsText ? Encoding.UTF8.GetString(message.Data.Span) : Convert.ToBase64String(message.Data.Span);
            return Encoding.UTF8.GetBytes(AppendEvent(new StringBuilder(), data, EventType, id: null).ToString());
        }
    }
}
