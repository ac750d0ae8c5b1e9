using System.Text;

namespace Micro.WebSockets;

/// <summary><c>app.Publish(topic, message)</c>: one frame, built once, to every subscriber of a topic on every reactor.</summary>
public static class WebSocketPublishing
{
    /// <summary>Publishes a text message to <paramref name="topic"/>; from any thread. Completes with the number of subscribers it was queued for.</summary>
    public static Task<int> Publish(this MicroApp app, string topic, string text) =>
        Publish(app, topic, Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text);

    /// <summary>Publishes a binary (or, with <paramref name="type"/>, UTF-8 text) message to <paramref name="topic"/>; from any thread.</summary>
    public static Task<int> Publish(this MicroApp app, string topic, ReadOnlySpan<byte> data, WebSocketMessageType type = WebSocketMessageType.Binary)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentException.ThrowIfNullOrEmpty(topic);
        return app.Feature<TopicHub>().PublishAsync(topic, FrameWriter.Frame((WebSocketOpcode)type, data));
    }

    /// <summary>
    /// How many connections are subscribed to <paramref name="topic"/>, on every reactor: from any thread, a handler
    /// included, without waiting (each reactor's count as of its last subscribe or unsubscribe).
    /// </summary>
    public static int SubscriberCount(this MicroApp app, string topic) => app.Feature<TopicHub>().CountSubscribers(topic);
}
