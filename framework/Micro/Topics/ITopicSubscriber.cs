namespace Micro.Topics;

/// <summary>
/// A connection that receives topics (a WebSocket, an event stream): it subscribes on its own reactor, and a publish
/// reaches it there, never on another thread.
/// </summary>
internal interface ITopicSubscriber
{
    /// <summary>
    /// Queues <paramref name="message"/> for the peer, on the subscriber's reactor, without waiting: false when it
    /// cannot take it (closed, or past its backlog, where its slow-subscriber policy applies). It must not unsubscribe
    /// inline: the reactor is walking its subscribers.
    /// </summary>
    bool Deliver(TopicMessage message);
}
