using Micro.Transport;

namespace Micro.WebSockets;

/// <summary>The subscribers one reactor owns, by topic. Touched only on that reactor's thread.</summary>
internal sealed class ReactorTopics(Reactor reactor)
{
    private readonly Dictionary<string, HashSet<WebSocketConnection>> _subscribers = new(StringComparer.Ordinal);

    public void Subscribe(string topic, WebSocketConnection connection)
    {
        if (!_subscribers.TryGetValue(topic, out var set))
        {
            _subscribers[topic] = set = [];
        }
        set.Add(connection);
    }

    public void Unsubscribe(string topic, WebSocketConnection connection)
    {
        if (_subscribers.TryGetValue(topic, out var set) && set.Remove(connection))
        {
            if (set.Count == 0)
            {
                _subscribers.Remove(topic);
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

    /// <summary>Subscribers of <paramref name="topic"/> here; read through the reactor for an exact answer.</summary>
    public int Count(string topic)
    {
        if (reactor.IsOnReactorThread)
        {
            return _subscribers.TryGetValue(topic, out var set) ? set.Count : 0;
        }
        var counted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        reactor.Post(static state =>
        {
            var (registry, topic, counted) = ((ReactorTopics, string, TaskCompletionSource<int>))state!;
            counted.TrySetResult(registry.Count(topic));
        }, (this, topic, counted));
        return counted.Task.GetAwaiter().GetResult();
    }
}
