using Micro.Transport;

namespace Micro.Topics;

/// <summary>
/// The subscribers one reactor owns, by topic. The sets are touched only on that reactor's thread; their sizes are
/// also kept where any thread can read them without waiting (<see cref="Count"/>), since a reactor never waits.
/// </summary>
internal sealed class ReactorTopics(Reactor reactor, TopicHub hub)
{
    private readonly Dictionary<string, HashSet<ITopicSubscriber>> _subscribers = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Subscribe(string topic, ITopicSubscriber subscriber)
    {
        if (!_subscribers.TryGetValue(topic, out var set))
        {
            _subscribers[topic] = set = [];
        }
        if (set.Add(subscriber))
        {
            _counts[topic] = set.Count;
            if (set.Count == 1)
            {
                hub.InterestChanged(topic); // this reactor's first: another instance's publishes must reach it now
            }
        }
    }

    public void Unsubscribe(string topic, ITopicSubscriber subscriber)
    {
        if (_subscribers.TryGetValue(topic, out var set) && set.Remove(subscriber))
        {
            if (set.Count == 0)
            {
                _subscribers.Remove(topic);
                _counts.TryRemove(topic, out _);
                hub.InterestChanged(topic);
            }
            else
            {
                _counts[topic] = set.Count;
            }
        }
    }

    public void Post(Publication publication)
    {
        if (reactor.HasEnded || !_counts.ContainsKey(publication.Message.Topic))
        {
            publication.Delivered(0); // nobody here (or the server stopped): the reactor is not woken for nothing
            return;
        }
        reactor.Post(static state =>
        {
            var (registry, publication) = ((ReactorTopics, Publication))state!;
            publication.Delivered(registry.Deliver(publication.Message));
        }, (this, publication));
    }

    private int Deliver(TopicMessage message)
    {
        if (!_subscribers.TryGetValue(message.Topic, out var set))
        {
            return 0;
        }
        var reached = 0;
        foreach (var subscriber in set) // Deliver never unsubscribes inline, so the set does not change under the walk
        {
            if (subscriber.Deliver(message))
            {
                reached++;
            }
        }
        return reached;
    }

    /// <summary>
    /// Subscribers of <paramref name="topic"/> here, from any thread without waiting: as of this reactor's last
    /// subscribe or unsubscribe. (It was read through the reactor, blocking the caller: two reactors counting at once
    /// waited on each other for good.) None once the reactor has ended: a subscriber whose handler was still running
    /// at the stop never gets back to it to unsubscribe, and nothing would reach it.
    /// </summary>
    public int Count(string topic) => !reactor.HasEnded && _counts.TryGetValue(topic, out var count) ? count : 0;

    /// <summary>The topics with a subscriber here, from any thread: a snapshot (none once the reactor has ended).</summary>
    public IEnumerable<string> Topics => reactor.HasEnded ? [] : _counts.Keys;
}
