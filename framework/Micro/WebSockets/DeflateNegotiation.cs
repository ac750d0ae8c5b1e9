namespace Micro.WebSockets;

/// <summary>What permessage-deflate was agreed as: who resets the window after each message, and the server's window.</summary>
internal sealed record DeflateParameters(bool ServerNoContextTakeover, bool ClientNoContextTakeover, int ServerWindowBits, string ResponseHeader);

/// <summary>
/// Chooses the first permessage-deflate offer in Sec-WebSocket-Extensions that can be accepted (RFC 7692 section 7.1):
/// an offer with an unknown or repeated parameter, or a value out of range, is declined, and the next one tried.
/// </summary>
internal static class DeflateNegotiation
{
    public static DeflateParameters? Negotiate(string? offers, WebSocketCompression? compression)
    {
        if (offers is null || compression is null)
        {
            return null;
        }
        foreach (var offer in offers.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = offer.Split(';', StringSplitOptions.TrimEntries);
            if (!parts[0].Equals("permessage-deflate", StringComparison.OrdinalIgnoreCase) || TryAccept(parts.AsSpan(1), compression) is not { } accepted)
            {
                continue;
            }
            return accepted;
        }
        return null;
    }

    private static DeflateParameters? TryAccept(ReadOnlySpan<string> parameters, WebSocketCompression compression)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var serverNoContext = !compression.ContextTakeover;
        var clientNoContext = !compression.ContextTakeover;
        var serverBits = 15;
        var serverBitsNamed = false;
        foreach (var parameter in parameters)
        {
            var (name, value) = parameter.Split('=', 2, StringSplitOptions.TrimEntries) is [var n, var v] ? (n, v.Trim('"')) : (parameter, null);
            if (!seen.Add(name))
            {
                return null;
            }
            switch (name.ToLowerInvariant())
            {
                case "server_no_context_takeover" when value is null:
                    serverNoContext = true;
                    break;
                case "client_no_context_takeover" when value is null:
                    clientNoContext = true;
                    break;
                case "server_max_window_bits":
                    // zlib cannot make a raw deflate stream with an 8-bit window: such an offer is declined.
                    if (!int.TryParse(value, out serverBits) || serverBits is < 9 or > 15)
                    {
                        return null;
                    }
                    serverBitsNamed = true;
                    break;
                case "client_max_window_bits":
                    // The client may limit its window; the server inflates with 15 bits, which reads any.
                    if (value is not null && (!int.TryParse(value, out var clientBits) || clientBits is < 8 or > 15))
                    {
                        return null;
                    }
                    break;
                default:
                    return null;
            }
        }
        var response = "permessage-deflate" +
            (serverNoContext ? "; server_no_context_takeover" : "") +
            (clientNoContext ? "; client_no_context_takeover" : "") +
            // Named by the client, it must be in the answer, 15 included (RFC 7692 section 7.1.2.1).
            (serverBitsNamed ? $"; server_max_window_bits={serverBits}" : "");
        return new DeflateParameters(serverNoContext, clientNoContext, serverBits, response);
    }
}
