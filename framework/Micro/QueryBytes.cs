using System.Buffers;
using System.Text;

namespace Micro;

/// <summary>
/// A query string's parameters read where they lie, for the typed getters (<c>req.Query.GetInt("page")</c>): a plain
/// query (ASCII, nothing percent-encoded, no '+') needs no decoding, so its first value of a name is found by walking
/// its <c>&amp;</c>-separated pairs, with the same answers as the dictionary the full parse makes (names in any case,
/// a pair without '=' has an empty value, the first value of a repeated name). Anything else is left to that parse.
/// </summary>
internal static class QueryBytes
{
    /// <summary>The longest value read in place (its characters go on the stack).</summary>
    public const int MaxValueLength = 256;

    /// <summary>What makes a query need decoding: percent-encoding, '+' for a space, bytes beyond ASCII.</summary>
    private static readonly SearchValues<byte> s_needsDecoding = SearchValues.Create([(byte)'%', (byte)'+', .. Enumerable.Range(0x80, 0x80).Select(b => (byte)b)]);

    /// <summary>
    /// Whether <paramref name="query"/> (as sent, after '?') can be read in place for <paramref name="name"/>; if so,
    /// <paramref name="value"/> is the first value of that name, empty when it has none or is absent.
    /// </summary>
    public static bool TryFindFirst(ReadOnlySpan<byte> query, string name, out ReadOnlySpan<byte> value)
    {
        value = default;
        if (name.Length == 0 || !Ascii.IsValid(name) || query.IndexOfAny(s_needsDecoding) >= 0)
        {
            return false;
        }
        if (!query.IsEmpty && query[0] == '?')
        {
            query = query[1..]; // the parse skips one more '?' at the start, as a query string's own
        }
        while (!query.IsEmpty)
        {
            var end = query.IndexOf((byte)'&');
            var pair = end < 0 ? query : query[..end];
            query = end < 0 ? default : query[(end + 1)..];
            var equals = pair.IndexOf((byte)'=');
            var key = equals < 0 ? pair : pair[..equals];
            if (key.Length != name.Length || !Ascii.EqualsIgnoreCase(key, name))
            {
                continue;
            }
            value = equals < 0 ? default : pair[(equals + 1)..];
            return value.Length <= MaxValueLength;
        }
        return true; // absent
    }
}
