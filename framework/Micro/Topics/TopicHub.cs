using System.Collections.Concurrent;
using Micro.Transport;

namespace Micro.Topics;

/// <summary>
/// An app's topics (as uWebSockets has them): each reactor keeps the subscribers it owns, so subscribing touches only
/// the connection's own reactor, and a publish is handed to every reactor that has a subscriber of its topic, which
/// sends it to each under that subscriber's own backlog limit. With a backplane (<see cref="UseBackplane"/>), what one
/// instance publishes reaches the subscribers of every instance: local ones at once, the others through it.
/// </summary>
public sealed class TopicHub
{
    private readonly ConcurrentDictionary<Reactor, ReactorTopics> _reactors = new();
    private ITopicBackplane? _backplane;

    internal TopicHub()
    {
    }

    internal ReactorTopics For(Reactor reactor) => _reactors.GetOrAdd(reactor, static (reactor, hub) => new ReactorTopics(reactor, hub), this);

    /// <summary>The backplane that carries publishes to the app's other instances, if one is in use.</summary>
    public ITopicBackplane? Backplane => _backplane;

    /// <summary>
    /// Carries this app's publishes to its other instances and theirs to this one's subscribers through
    /// <paramref name="backplane"/> (a Redis backplane: Micro.Redis). Set once, before the app starts serving.
    /// </summary>
    public void UseBackplane(ITopicBackplane backplane)
    {
        ArgumentNullException.ThrowIfNull(backplane);
        if (Interlocked.CompareExchange(ref _backplane, backplane, null) is not null)
        {
            throw new InvalidOperationException("The app's topics already have a backplane.");
        }
        backplane.Start(this);
    }

    /// <summary>
    /// Publishes <paramref name="message"/> to the subscribers of its topic on every reactor, and through the backplane
    /// to the app's other instances; from any thread, without waiting on either. Completes with how many subscribers
    /// of this instance it was queued for. A message over the backplane's size limit is refused (ArgumentException)
    /// before it reaches anyone, so every instance sees the same.
    /// </summary>
    public Task<int> PublishAsync(TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_backplane is { } backplane)
        {
            if (message.Data.Length > backplane.MaxMessageBytes)
            {
                throw new ArgumentException(
                    $"A message of {message.Data.Length} bytes to topic '{message.Topic}' is over the backplane's limit of {backplane.MaxMessageBytes} bytes (MaxMessageBytes).", nameof(message));
            }
            backplane.Publish(message);
        }
        TopicMetrics.Published(local: true);
        return DeliverLocallyAsync(message);
    }

    /// <summary>
    /// Hands <paramref name="message"/> to this instance's subscribers only: what a backplane does with a message
    /// another instance published. Completes with how many it was queued for.
    /// </summary>
    public Task<int> DeliverLocallyAsync(TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var registries = _reactors.Values.ToArray();
        if (registries.Length == 0)
        {
            return Task.FromResult(0);
        }
        var publication = new Publication(message, registries.Length);
        foreach (var registry in registries)
        {
            registry.Post(publication);
        }
        return publication.Reached;
    }

    /// <summary>Subscribers of <paramref name="topic"/> on every reactor of this instance: a snapshot, read without waiting for any reactor.</summary>
    public int CountSubscribers(string topic)
    {
        var count = 0;
        foreach (var registry in _reactors.Values)
        {
            count += registry.Count(topic);
        }
        return count;
    }

    /// <summary>The topics this instance has a subscriber of: a snapshot (a backplane subscribes to these when it connects).</summary>
    public IReadOnlyCollection<string> SubscribedTopics => _reactors.Values.SelectMany(registry => registry.Topics).ToHashSet(StringComparer.Ordinal);

    /// <summary>A reactor's first subscriber of <paramref name="topic"/> came, or its last went: the backplane reconciles.</summary>
    internal void InterestChanged(string topic) => _backplane?.OnInterestChanged(topic);

    /// <summary>Stops the backplane, if any: at the end of the app's graceful stop.</summary>
    internal Task StopAsync(CancellationToken cancellationToken) => _backplane?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
