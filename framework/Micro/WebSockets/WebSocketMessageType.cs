namespace Micro.WebSockets;

/// <summary>Whether a message is UTF-8 text or bytes.</summary>
public enum WebSocketMessageType : byte
{
    /// <summary>UTF-8 text.</summary>
    Text = 1,
    /// <summary>Bytes.</summary>
    Binary = 2,
}
