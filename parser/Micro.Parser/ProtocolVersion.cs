namespace Micro.Parser;

/// <summary>The HTTP versions a request may carry; anything else is refused by the parser.</summary>
public enum ProtocolVersion : byte
{
    /// <summary>Not parsed yet.</summary>
    Unknown,

    /// <summary>HTTP/1.0: connections close after the response unless the client asks for keep-alive.</summary>
    Http10,

    /// <summary>HTTP/1.1: connections persist unless either side says close.</summary>
    Http11,
}
