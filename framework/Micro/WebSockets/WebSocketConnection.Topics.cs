using Micro.Topics;

namespace Micro.WebSockets;

/// <summary>Topics: a connection subscribes on its own reactor, and receives what the app publishes to them.</summary>
public sealed partial class WebSocketConnection : ITopicSubscriber
{
    private List<string>? _topics;
    private ReactorTopics? _registry;

    /// <summary>Receives, from now on, every message the app publishes to <paramref name="topic"/> (<c>app.Publish</c>).</summary>
    public void Subscribe(string topic)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ThrowIfOffReactor();
        if (State == WebSocketState.Closed || (_topics?.Contains(topic) ?? false))
        {
            return;
        }
        (_topics ??= []).Add(topic);
        Registry.Subscribe(topic, this);
    }

    /// <summary>Stops receiving <paramref name="topic"/>; closing the connection unsubscribes it from everything.</summary>
    public void Unsubscribe(string topic)
    {
        ThrowIfOffReactor();
        if (_topics?.Remove(topic) == true)
        {
            Registry.Unsubscribe(topic, this);
        }
    }

    /// <summary>The topics this connection receives.</summary>
    public IReadOnlyList<string> Topics => _topics ?? [];

    private ReactorTopics Registry => _registry ??= (_hub ?? throw new InvalidOperationException("Topics need the connection to be served by a MicroApp.")).For(_reactor);

    /// <summary>
    /// A published message, for this subscriber: its frame (made once per message, whoever asks first) queued unless
    /// the output is past <see cref="WebSocketOptions.MaxPublishBacklog"/>, in which case it misses it or is closed
    /// (<see cref="WebSocketOptions.SlowSubscribers"/>). Returns whether it was queued.
    /// </summary>
    bool ITopicSubscriber.Deliver(TopicMessage message)
    {
        if (State != WebSocketState.Open)
        {
            return false;
        }
        var frame = message.EncodedAs(message.IsText ? TextFrame : BinaryFrame, static (message, form) => FrameWriter.Frame(((PublishedFrame)form).Opcode, message.Data.Span));
        if (_transport.Output.Length + frame.Length > _options.MaxPublishBacklog)
        {
            if (_options.SlowSubscribers == SlowSubscriberPolicy.Close)
            {
                // Not inline: the publisher is walking this reactor's subscribers.
                _reactor.PostLocal(static state => ((WebSocketConnection)state!).Fail(WebSocketCloseStatus.PolicyViolation, "Too slow to keep up with its topics."), this);
            }
            TopicMetrics.Dropped("slow_subscriber");
            return false;
        }
        _transport.Output.Write(frame);
        _transport.Flush();
        return true;
    }

    private void UnsubscribeAll()
    {
        if (_topics is { Count: > 0 } topics)
        {
            foreach (var topic in topics)
            {
                Registry.Unsubscribe(topic, this);
            }
            topics.Clear();
        }
    }

    private void ThrowIfOffReactor()
    {
        if (!_reactor.IsOnReactorThread)
        {
            throw new InvalidOperationException("A WebSocket's topics are changed on its reactor: from its handler, without ConfigureAwait(false).");
        }
    }

    /// <summary>A published message as one unmasked, uncompressed frame: the same for every subscriber.</summary>
    private sealed record PublishedFrame(WebSocketOpcode Opcode);

    private static readonly PublishedFrame TextFrame = new(WebSocketOpcode.Text);
    private static readonly PublishedFrame BinaryFrame = new(WebSocketOpcode.Binary);
}
