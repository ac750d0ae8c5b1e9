using Micro.Topics;

namespace Micro;

/// <summary>Topics: WebSockets and event streams subscribe (<c>ws.Subscribe</c>, <c>events.Subscribe</c>); the app publishes.</summary>
public sealed partial class MicroApp
{
    /// <summary>The app's topics: their subscribers on every reactor, and the backplane to other instances, if any.</summary>
    public TopicHub Topics { get; } = new();

    /// <summary>
    /// Publishes a text message to <paramref name="topic"/>, from any thread: to its WebSocket and event stream
    /// subscribers on this instance and, with a backplane, on every other. Completes with how many subscribers of
    /// this instance it was queued for.
    /// </summary>
    public Task<int> Publish(string topic, string text) => Topics.PublishAsync(TopicMessage.Text(topic, text));

    /// <summary>Publishes a binary message to <paramref name="topic"/> (event streams receive it in base64), as <see cref="Publish(string, string)"/>.</summary>
    public Task<int> Publish(string topic, ReadOnlySpan<byte> data) => Topics.PublishAsync(TopicMessage.Binary(topic, data));

    /// <summary>
    /// How many connections of this instance are subscribed to <paramref name="topic"/>, on every reactor: from any
    /// thread, a handler included, without waiting (each reactor's count as of its last subscribe or unsubscribe).
    /// </summary>
    public int SubscriberCount(string topic) => Topics.CountSubscribers(topic);

    /// <summary>The backplane registered in the app's services (<c>AddMicroRedisBackplane</c>), attached as the app starts serving.</summary>
    private void AttachBackplaneFromServices()
    {
        if (Topics.Backplane is null && Services.GetService(typeof(ITopicBackplane)) is ITopicBackplane backplane)
        {
            Topics.UseBackplane(backplane);
        }
    }
}
