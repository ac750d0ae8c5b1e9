using Micro.Topics;

namespace Micro.WebSockets;

/// <summary><c>app.Publish(topic, data, type)</c>: a message typed as a WebSocket message is (text or binary), to every subscriber of a topic.</summary>
public static class WebSocketPublishing
{
    /// <summary>
    /// Publishes <paramref name="data"/> to <paramref name="topic"/> as a <paramref name="type"/> message (text must be
    /// UTF-8), from any thread, as <see cref="MicroApp.Publish(string, string)"/>.
    /// </summary>
    public static Task<int> Publish(this MicroApp app, string topic, ReadOnlySpan<byte> data, WebSocketMessageType type)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Topics.PublishAsync(type == WebSocketMessageType.Text ? TopicMessage.Utf8(topic, data) : TopicMessage.Binary(topic, data));
    }
}
