namespace Micro.WebSockets;

/// <summary>Where a WebSocket connection is in its life.</summary>
public enum WebSocketState : byte
{
    /// <summary>Messages flow both ways.</summary>
    Open,
    /// <summary>A Close frame has been sent (by the app, the server stopping, or a protocol error); no more messages go out.</summary>
    CloseSent,
    /// <summary>The connection is closed.</summary>
    Closed,
}
