using Micro.Transport;

namespace Micro.WebSockets;

/// <summary>
/// The subscribers one reactor owns, by topic. The sets are touched only on that reactor's thread; their sizes are
/// also kept where any thread can read them without waiting (<see cref="Count"/>), since a reactor never waits.
/// </summary>
internal sealed class ReactorTopics(Reactor reactor)
{
    private readonly Dictionary<string, HashSet<WebSocketConnection>> _subscribers = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Subscribe(string topic, WebSocketConnection connection)
    {
        if (!_subscribers.TryGetValue(topic, out var set))
        {
            _subscribers[topic] = set = [];
        }
        if (set.Add(connection))
        {
            _counts[topic] = set.Count;
        }
    }

    public void Unsubscribe(string topic, WebSocketConnection connection)
    {
        if (_subscribers.TryGetValue(topic, out var set) && set.Remove(connection))
        {
            if (set.Count == 0)
            {
                _subscribers.Remove(topic);
                _counts.TryRemove(topic, out _);
            }
            else
            {
                _counts[topic] = set.Count;
            }
        }
    }

    public void Post(Publication publication)
    {
        if (reactor.HasEnded)
        {
            publication.Delivered(0); // the server has stopped: its connections are gone, and nothing would run this
            return;
        }
        reactor.Post(static state =>
        {
            var (registry, publication) = ((ReactorTopics, Publication))state!;
            publication.Delivered(registry.Deliver(publication));
        }, (this, publication));
    }

    private int Deliver(Publication publication)
    {
        if (!_subscribers.TryGetValue(publication.Topic, out var set))
        {
            return 0;
        }
        var reached = 0;
        foreach (var connection in set) // SendPublished never closes inline, so the set does not change under the walk
        {
            if (connection.SendPublished(publication.Frame))
            {
                reached++;
            }
        }
        return reached;
    }

    /// <summary>
    /// Subscribers of <paramref name="topic"/> here, from any thread without waiting: as of this reactor's last
    /// subscribe or unsubscribe. (It was read through the reactor, blocking the caller: two reactors counting at once
    /// waited on each other for good.)
    /// </summary>
    public int Count(string topic) => _counts.TryGetValue(topic, out var count) ? count : 0;
}
