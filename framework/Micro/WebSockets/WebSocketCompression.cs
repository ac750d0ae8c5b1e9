namespace Micro.WebSockets;

/// <summary>
/// permessage-deflate (RFC 7692), when a client offers it: messages of <see cref="MinSize"/> bytes and up are
/// compressed. Off unless set on <see cref="WebSocketOptions.Compression"/>: it costs CPU per message, and with
/// context takeover memory per connection.
/// </summary>
public sealed class WebSocketCompression
{
    /// <summary>zlib's level, 1 (fastest) to 9 (smallest). Default 1.</summary>
    public int Level { get; set; } = 1;

    /// <summary>
    /// Whether each side keeps its compression window from one message to the next (better ratios for similar
    /// messages), at about 300 KiB of zlib state per connection for as long as it lives. Default false: the server asks
    /// for server_no_context_takeover and client_no_context_takeover, and a reactor's one compressor and one
    /// decompressor serve all its connections, so an idle connection holds nothing.
    /// </summary>
    public bool ContextTakeover { get; set; }

    /// <summary>Messages shorter than this go uncompressed (a small message gains nothing). Default 64 bytes.</summary>
    public int MinSize { get; set; } = 64;
}
