using System.Security.Cryptography;
using System.Text;

namespace Micro.WebSockets;

/// <summary>
/// The opening handshake (RFC 6455 section 4.2): decides from a request whether to upgrade, and with what, or which
/// ordinary HTTP answer to give instead.
/// </summary>
internal static class WebSocketHandshake
{
    private const string Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>What the handshake decided: the 101's extra header lines, or the status and reason to refuse with.</summary>
    internal readonly record struct Outcome(int Status, string Reason, string? Accept, string? SubProtocol, DeflateParameters? Deflate = null);

    public static Outcome Evaluate(Request req, WebSocketOptions options)
    {
        if (req.Method != "GET")
        {
            return Refuse(405, "A WebSocket handshake is a GET request.");
        }
        if (!HasToken(req.Header("Upgrade"), "websocket") || !req.Exchange.Head.ConnectionUpgrade)
        {
            return Refuse(426, "This resource speaks WebSocket: send Upgrade: websocket and Connection: Upgrade.");
        }
        if (req.Version != Micro.Parser.ProtocolVersion.Http11)
        {
            return Refuse(400, "A WebSocket handshake needs HTTP/1.1.");
        }
        if (req.Exchange.Head.Framing != Micro.Parser.BodyFraming.None)
        {
            return Refuse(400, "A WebSocket handshake has no body.");
        }
        if (req.Header("Sec-WebSocket-Version")?.Trim() != "13")
        {
            return Refuse(426, "Only WebSocket version 13 is spoken here (Sec-WebSocket-Version: 13).");
        }
        var key = req.Header("Sec-WebSocket-Key")?.Trim();
        if (key is null || !IsNonce(key))
        {
            return Refuse(400, "Sec-WebSocket-Key must be 16 bytes in base64.");
        }
        if (options.AllowedOrigins.Count > 0 && !options.AllowedOrigins.Contains(req.Header("Origin") ?? "", StringComparer.OrdinalIgnoreCase))
        {
            return Refuse(403, "This origin may not open a WebSocket here.");
        }
        return new Outcome(101, "", AcceptKey(key), ChooseSubProtocol(req.Header("Sec-WebSocket-Protocol"), options.SubProtocols),
            DeflateNegotiation.Negotiate(req.Header("Sec-WebSocket-Extensions"), options.Compression));
    }

    /// <summary>The Sec-WebSocket-Accept value for a client's key.</summary>
    public static string AcceptKey(string key)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(Encoding.ASCII.GetBytes(key + Guid), hash);
        return Convert.ToBase64String(hash);
    }

    /// <summary>The 101 response's head, after its status line.</summary>
    public static byte[] ResponseHead(Outcome outcome) => Encoding.ASCII.GetBytes(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        $"Sec-WebSocket-Accept: {outcome.Accept}\r\n" +
        (outcome.SubProtocol is { } protocol ? $"Sec-WebSocket-Protocol: {protocol}\r\n" : "") +
        (outcome.Deflate is { } deflate ? $"Sec-WebSocket-Extensions: {deflate.ResponseHeader}\r\n" : "") +
        "\r\n");

    private static Outcome Refuse(int status, string reason) => new(status, reason, null, null);

    private static bool IsNonce(string key)
    {
        Span<byte> decoded = stackalloc byte[18];
        return key.Length == 24 && Convert.TryFromBase64String(key, decoded, out var written) && written == 16;
    }

    private static string? ChooseSubProtocol(string? offered, IList<string> supported)
    {
        if (offered is null || supported.Count == 0)
        {
            return null;
        }
        var offers = offered.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return supported.FirstOrDefault(protocol => offers.Contains(protocol, StringComparer.Ordinal));
    }

    private static bool HasToken(string? list, string token) =>
        list is not null && list.Split(',', StringSplitOptions.TrimEntries).Any(item => item.Equals(token, StringComparison.OrdinalIgnoreCase));
}
