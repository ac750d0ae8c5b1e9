namespace Micro.WebSockets;

/// <summary>What a publish does for a subscriber whose unsent output is already past <see cref="WebSocketOptions.MaxPublishBacklog"/>.</summary>
public enum SlowSubscriberPolicy : byte
{
    /// <summary>That subscriber misses this message; the others are not held back (uWebSockets' default).</summary>
    Drop,
    /// <summary>That subscriber is closed with 1008, for apps where a missed message is worse than a reconnect.</summary>
    Close,
}
