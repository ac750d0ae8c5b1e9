using System.Collections.Concurrent;
using Micro.Transport;

namespace Micro.WebSockets;

/// <summary>
/// An app's topics (as uWebSockets has them): each reactor keeps the subscribers it owns, so subscribing touches only
/// the connection's own reactor, and a publish builds its frame once and hands it to every reactor, which writes it to
/// each of its subscribers under that subscriber's own backpressure limit.
/// </summary>
internal sealed class TopicHub
{
    private readonly ConcurrentDictionary<Reactor, ReactorTopics> _reactors = new();

    public ReactorTopics For(Reactor reactor) => _reactors.GetOrAdd(reactor, static reactor => new ReactorTopics(reactor));

    /// <summary>Queues <paramref name="frame"/> for every subscriber of <paramref name="topic"/> on every reactor; completes with how many it reached.</summary>
    public Task<int> PublishAsync(string topic, byte[] frame)
    {
        var registries = _reactors.Values.ToArray();
        if (registries.Length == 0)
        {
            return Task.FromResult(0);
        }
        var publish = new Publication(topic, frame, registries.Length);
        foreach (var registry in registries)
        {
            registry.Post(publish);
        }
        return publish.Reached;
    }

    /// <summary>Subscribers of <paramref name="topic"/> on every reactor: a snapshot, read without waiting for any reactor.</summary>
    public int CountSubscribers(string topic) => _reactors.Values.Sum(registry => registry.Count(topic));
}

/// <summary>One publish on its way to every reactor: it completes once each has delivered it.</summary>
internal sealed class Publication(string topic, byte[] frame, int reactors)
{
    private readonly TaskCompletionSource<int> _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _pending = reactors;
    private int _count;

    public string Topic { get; } = topic;

    public byte[] Frame { get; } = frame;

    public Task<int> Reached => _reached.Task;

    public void Delivered(int subscribers)
    {
        Interlocked.Add(ref _count, subscribers);
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            _reached.TrySetResult(Volatile.Read(ref _count));
        }
    }
}
