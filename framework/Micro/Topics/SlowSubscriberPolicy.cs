namespace Micro.Topics;

/// <summary>What a publish does for a subscriber whose unsent output is already past its publish backlog (<c>MaxPublishBacklog</c> of the WebSocket or event stream options).</summary>
public enum SlowSubscriberPolicy : byte
{
    /// <summary>That subscriber misses this message; the others are not held back (uWebSockets' default).</summary>
    Drop,
    /// <summary>That subscriber is closed (a WebSocket with 1008, an event stream's connection), for apps where a missed message is worse than a reconnect.</summary>
    Close,
}
