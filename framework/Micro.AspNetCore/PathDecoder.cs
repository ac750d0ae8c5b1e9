using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Micro.AspNetCore;

/// <summary>
/// HttpRequest.Path as Kestrel gives it: percent-escapes decoded as UTF-8, except %2F, which stays encoded so that
/// a decoded '/' can never make a new path segment; then dot segments removed (RFC 3986 section 5.2.4), so "/a/../b"
/// and "/a/%2E%2E/b" are "/b" and no path climbs above the root. Escapes that do not decode to valid UTF-8 are left
/// as they were sent, each on its own: the valid ones around them are decoded.
/// </summary>
internal static class PathDecoder
{
    public static string Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            return "";
        }
        if (raw.IndexOf((byte)'%') < 0 && !HasDotSegment(raw))
        {
            return Encoding.UTF8.GetString(raw); // the usual case: nothing to decode or remove
        }
        var rented = ArrayPool<byte>.Shared.Rent(raw.Length);
        try
        {
            var decoded = rented.AsSpan(0, Unescape(raw, rented));
            if (!Utf8.IsValid(decoded))
            {
                decoded = rented.AsSpan(0, raw.Length);
                raw.CopyTo(decoded);
            }
            return Encoding.UTF8.GetString(decoded[..RemoveDotSegments(decoded)]);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Decodes %XX into <paramref name="output"/> (never longer than the input), keeping %2F and malformed escapes as
    /// sent. A character of several bytes is decoded only when all its escapes together are valid UTF-8 (no overlong
    /// form, no surrogate), else its first escape stays as sent and the rest are looked at on their own, as Kestrel
    /// decodes: "/caf%C3%A9/%FF" is "/café/%FF".
    /// </summary>
    private static int Unescape(ReadOnlySpan<byte> raw, Span<byte> output)
    {
        Span<byte> character = stackalloc byte[4];
        var length = 0;
        var i = 0;
        while (i < raw.Length)
        {
            if (!TryEscape(raw, i, out var value) || value == '/')
            {
                output[length++] = raw[i++];
                continue;
            }
            if (value < 0x80)
            {
                output[length++] = value;
                i += 3;
                continue;
            }
            var needed = value switch { >= 0xF0 => 4, >= 0xE0 => 3, >= 0xC0 => 2, _ => 0 }; // 0x80-0xBF cannot lead
            var count = 0;
            var next = i;
            while (count < needed && TryEscape(raw, next, out var part))
            {
                character[count++] = part;
                next += 3;
            }
            if (needed > 0 && count == needed && Utf8.IsValid(character[..count]))
            {
                character[..count].CopyTo(output[length..]);
                length += count;
                i = next;
            }
            else
            {
                output[length++] = raw[i++]; // the '%' as sent; its two digits follow as they are
            }
        }
        return length;
    }

    /// <summary>An escape "%XX" at <paramref name="at"/>, and the byte it stands for.</summary>
    private static bool TryEscape(ReadOnlySpan<byte> raw, int at, out byte value)
    {
        value = 0;
        return at + 2 < raw.Length && raw[at] == '%' && TryHex(raw[at + 1], raw[at + 2], out value);
    }

    private static bool TryHex(byte high, byte low, out byte value)
    {
        var h = HexValue(high);
        var l = HexValue(low);
        value = (byte)((h << 4) | l);
        return h >= 0 && l >= 0;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static bool HasDotSegment(ReadOnlySpan<byte> path)
    {
        for (var i = path.IndexOf((byte)'.'); i >= 0; i = path.Slice(i + 1).IndexOf((byte)'.') is var next and >= 0 ? i + 1 + next : -1)
        {
            var startsSegment = i == 0 || path[i - 1] == '/';
            var rest = path[(i + 1)..];
            if (startsSegment && (rest.IsEmpty || rest[0] == '/' || (rest[0] == '.' && (rest.Length == 1 || rest[1] == '/'))))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Removes "." and ".." segments in place; returns the new length. ".." at the root stays at the root.</summary>
    private static int RemoveDotSegments(Span<byte> path)
    {
        var read = 0;
        var written = 0;
        while (read < path.Length)
        {
            // At a segment start (after a '/', or the path's beginning): look at the segment.
            var segmentEnd = path[read..].IndexOf((byte)'/') is var slash and > 0 ? read + slash : path.Length;
            if (path[read] == '/')
            {
                segmentEnd = path[(read + 1)..].IndexOf((byte)'/') is var next and >= 0 ? read + 1 + next : path.Length;
                var segment = path[(read + 1)..segmentEnd];
                if (segment.SequenceEqual("."u8))
                {
                    read = segmentEnd;
                    if (read == path.Length)
                    {
                        path[written++] = (byte)'/'; // "/a/." is "/a/"
                    }
                    continue;
                }
                if (segment.SequenceEqual(".."u8))
                {
                    var previous = written > 0 ? path[..written].LastIndexOf((byte)'/') : -1;
                    written = previous > 0 ? previous : 0;
                    read = segmentEnd;
                    if (read == path.Length)
                    {
                        path[written++] = (byte)'/'; // "/a/b/.." is "/a/"
                    }
                    continue;
                }
            }
            path[read..segmentEnd].CopyTo(path[written..]);
            written += segmentEnd - read;
            read = segmentEnd;
        }
        return written;
    }
}
