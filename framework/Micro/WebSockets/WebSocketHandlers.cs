namespace Micro.WebSockets;

/// <summary>
/// The callback style, for handlers that never await: each runs on the connection's reactor, in order. A message's
/// <see cref="WebSocketMessage.Data"/> is valid until <see cref="OnMessage"/> returns.
/// </summary>
public sealed class WebSocketHandlers
{
    /// <summary>The handshake is done; the connection is open.</summary>
    public Action<WebSocketConnection>? OnOpen { get; init; }

    /// <summary>A whole message arrived.</summary>
    public Action<WebSocketConnection, WebSocketMessage>? OnMessage { get; init; }

    /// <summary>
    /// The connection closed: with the client's close code and reason, or 1005 (none given), 1006 (gone without a
    /// Close frame) or the code the server closed with.
    /// </summary>
    public Action<WebSocketConnection, int, string?>? OnClose { get; init; }
}
