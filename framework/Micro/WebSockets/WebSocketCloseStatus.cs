namespace Micro.WebSockets;

/// <summary>The close codes Micro sends, and the rule for those a peer may send (RFC 6455 section 7.4).</summary>
public static class WebSocketCloseStatus
{
    /// <summary>1000: the purpose of the connection is fulfilled.</summary>
    public const ushort NormalClosure = 1000;

    /// <summary>1001: the server is stopping, or the client leaving the page.</summary>
    public const ushort GoingAway = 1001;

    /// <summary>1002: the peer broke the protocol.</summary>
    public const ushort ProtocolError = 1002;

    /// <summary>1003: a kind of data the endpoint cannot accept.</summary>
    public const ushort UnsupportedData = 1003;

    /// <summary>1005: the Close frame carried no code (never sent on the wire).</summary>
    public const ushort NoStatusReceived = 1005;

    /// <summary>1006: the connection ended without a Close frame (never sent on the wire).</summary>
    public const ushort AbnormalClosure = 1006;

    /// <summary>1007: a text message that is not valid UTF-8.</summary>
    public const ushort InvalidPayloadData = 1007;

    /// <summary>1008: a message that breaks the endpoint's policy.</summary>
    public const ushort PolicyViolation = 1008;

    /// <summary>1009: a message larger than <see cref="WebSocketOptions.MaxMessageSize"/>.</summary>
    public const ushort MessageTooBig = 1009;

    /// <summary>1010: the client needed an extension the server did not agree to.</summary>
    public const ushort MandatoryExtension = 1010;

    /// <summary>1011: the server's handler failed.</summary>
    public const ushort InternalServerError = 1011;

    /// <summary>
    /// Whether a peer may send <paramref name="code"/> in a Close frame: the defined codes but 1004, 1005, 1006 and 1015
    /// (reserved, never on the wire), and 3000-4999 (registered and private). Anything else is a protocol error.
    /// </summary>
    public static bool MayBeSent(int code) => code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
