using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Micro.Http;

namespace Micro.WebSockets;

/// <summary>
/// The opening handshake (RFC 6455 section 4.2): decides from a request whether to upgrade, and with what, or which
/// ordinary HTTP answer to give instead. It reads the request's bytes in place and writes the 101 on the stack: an
/// accepted handshake leaves no garbage behind (each one would otherwise add to the heap a server with many
/// connections keeps).
/// </summary>
internal static class WebSocketHandshake
{
    private static ReadOnlySpan<byte> Guid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    /// <summary>What the handshake decided: the status (101, or the one to refuse with and why), the accept key, the subprotocol and compression.</summary>
    internal readonly record struct Outcome(int Status, string Reason, string? SubProtocol = null, DeflateParameters? Deflate = null);

    public static Outcome Evaluate(Request req, WebSocketOptions options)
    {
        var exchange = req.Exchange;
        var head = exchange.Head;
        if (head.Method != Micro.Parser.RequestMethod.Get)
        {
            return Refuse(405, "A WebSocket handshake is a GET request.");
        }
        if (!AnyLineHasToken(exchange, "Upgrade"u8, "websocket"u8) || !head.ConnectionUpgrade)
        {
            return Refuse(426, "This resource speaks WebSocket: send Upgrade: websocket and Connection: Upgrade.");
        }
        if (head.Version != Micro.Parser.ProtocolVersion.Http11)
        {
            return Refuse(400, "A WebSocket handshake needs HTTP/1.1.");
        }
        if (head.Framing != Micro.Parser.BodyFraming.None)
        {
            return Refuse(400, "A WebSocket handshake has no body.");
        }
        if (!head.KeepAlive)
        {
            return Refuse(400, "A WebSocket handshake keeps its connection: no Connection: close.");
        }
        if (LineCount(exchange, "Sec-WebSocket-Key"u8) > 1 || LineCount(exchange, "Sec-WebSocket-Version"u8) > 1)
        {
            return Refuse(400, "Sec-WebSocket-Key and Sec-WebSocket-Version are sent once each (RFC 6455 section 11.3).");
        }
        if (!Header(exchange, "Sec-WebSocket-Version"u8).Trim((byte)' ').SequenceEqual("13"u8))
        {
            return Refuse(426, "Only WebSocket version 13 is spoken here (Sec-WebSocket-Version: 13).");
        }
        if (!IsNonce(Header(exchange, "Sec-WebSocket-Key"u8).Trim((byte)' ')))
        {
            return Refuse(400, "Sec-WebSocket-Key must be 16 bytes in base64.");
        }
        if (options.AllowedOrigins.Count > 0 && !options.AllowedOrigins.Contains(req.Header("Origin") ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return Refuse(403, "This origin may not open a WebSocket here.");
        }
        var subProtocol = options.SubProtocols.Count == 0 ? null : ChooseSubProtocol(req.ListHeader("Sec-WebSocket-Protocol"), options.SubProtocols);
        var deflate = options.Compression is null ? null : DeflateNegotiation.Negotiate(req.ListHeader("Sec-WebSocket-Extensions"), options.Compression);
        return new Outcome(101, "", subProtocol, deflate);
    }

    /// <summary>The Sec-WebSocket-Accept value for a client's key: base64(SHA-1(key + the RFC's GUID)), 28 bytes.</summary>
    public static void AcceptKey(ReadOnlySpan<byte> key, Span<byte> accept)
    {
        Span<byte> joined = stackalloc byte[24 + 36];
        key.CopyTo(joined);
        Guid.CopyTo(joined[key.Length..]);
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(joined[..(key.Length + Guid.Length)], hash);
        Base64.EncodeToUtf8(hash, accept, out _, out _);
    }

    /// <summary>Writes the 101 response's head into <paramref name="destination"/> (at least 512 bytes plus the subprotocol and extension); returns its length.</summary>
    public static int WriteResponseHead(HttpExchange exchange, Outcome outcome, Span<byte> destination)
    {
        var written = 0;
        void Append(ReadOnlySpan<byte> part, Span<byte> to)
        {
            part.CopyTo(to[written..]);
            written += part.Length;
        }
        Append("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "u8, destination);
        AcceptKey(Header(exchange, "Sec-WebSocket-Key"u8).Trim((byte)' '), destination[written..]);
        written += 28;
        Append("\r\n"u8, destination);
        if (outcome.SubProtocol is { } protocol)
        {
            Append("Sec-WebSocket-Protocol: "u8, destination);
            written += Encoding.ASCII.GetBytes(protocol, destination[written..]);
            Append("\r\n"u8, destination);
        }
        if (outcome.Deflate is { } deflate)
        {
            Append("Sec-WebSocket-Extensions: "u8, destination);
            written += Encoding.ASCII.GetBytes(deflate.ResponseHeader, destination[written..]);
            Append("\r\n"u8, destination);
        }
        Append("\r\n"u8, destination);
        return written;
    }

    /// <summary>The longest 101 head <see cref="WriteResponseHead"/> can write for <paramref name="outcome"/>.</summary>
    public static int MaxResponseHeadLength(Outcome outcome) => 256 + (outcome.SubProtocol?.Length ?? 0) + (outcome.Deflate?.ResponseHeader.Length ?? 0);

    private static Outcome Refuse(int status, string reason) => new(status, reason);

    /// <summary>The first header named <paramref name="name"/>, in place, or empty.</summary>
    private static ReadOnlySpan<byte> Header(HttpExchange exchange, ReadOnlySpan<byte> name) =>
        exchange.Head.TryGetHeader(exchange.RequestBytes, name, out var value) ? value.Of(exchange.RequestBytes) : [];

    private static int LineCount(HttpExchange exchange, ReadOnlySpan<byte> name)
    {
        var count = 0;
        foreach (var field in exchange.Head.Headers)
        {
            count += Ascii.EqualsIgnoreCase(field.Name.Of(exchange.RequestBytes), name) ? 1 : 0;
        }
        return count;
    }

    private static bool IsNonce(ReadOnlySpan<byte> key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Base64.DecodeFromUtf8(key, decoded, out _, out var written) == System.Buffers.OperationStatus.Done && written == 16;
    }

    private static string? ChooseSubProtocol(string? offered, IList<string> supported)
    {
        if (offered is null)
        {
            return null;
        }
        var offers = offered.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return supported.FirstOrDefault(protocol => offers.Contains(protocol, StringComparer.Ordinal));
    }

    /// <summary>Whether any line of the list-valued header <paramref name="name"/> holds <paramref name="token"/> (the lines are one list).</summary>
    private static bool AnyLineHasToken(HttpExchange exchange, ReadOnlySpan<byte> name, ReadOnlySpan<byte> token)
    {
        var bytes = exchange.RequestBytes;
        foreach (var field in exchange.Head.Headers)
        {
            if (Ascii.EqualsIgnoreCase(field.Name.Of(bytes), name) && HasToken(field.Value.Of(bytes), token))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Whether a comma-separated list holds <paramref name="token"/>, in any case.</summary>
    private static bool HasToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        foreach (var range in list.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(list[range].Trim((byte)' '), token))
            {
                return true;
            }
        }
        return false;
    }
}
