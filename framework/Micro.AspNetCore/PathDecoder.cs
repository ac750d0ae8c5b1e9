using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace Micro.AspNetCore;

/// <summary>
/// HttpRequest.Path as Kestrel gives it: percent-escapes decoded as UTF-8, except %2F, which stays encoded so that
/// a decoded '/' can never make a new path segment; then dot segments removed (RFC 3986 section 5.2.4), so "/a/../b"
/// and "/a/%2E%2E/b" are "/b" and no path climbs above the root. Escapes that do not decode to valid UTF-8 are left
/// as they were sent.
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

    /// <summary>Decodes %XX into <paramref name="output"/> (never longer than the input), keeping %2F and malformed escapes as sent.</summary>
    private static int Unescape(ReadOnlySpan<byte> raw, Span<byte> output)
    {
        var length = 0;
        for (var i = 0; i < raw.Length; i++)
        {
            if (raw[i] == '%' && i + 2 < raw.Length && TryHex(raw[i + 1], raw[i + 2], out var value) && value != '/')
            {
                output[length++] = value;
                i += 2;
            }
            else
            {
                output[length++] = raw[i];
            }
        }
        return length;
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
