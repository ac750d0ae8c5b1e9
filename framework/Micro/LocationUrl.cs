using System.Text;

namespace Micro;

/// <summary>
/// A URL made fit for a Location header as Express's res.location makes it (the encodeurl package): a byte a URL may
/// hold as it is stays, and so does a %XX escape already there; anything else (a space, a quote, '&lt;', a non-ASCII
/// letter) is percent-encoded as UTF-8. Without it "/café menu" went out as Latin-1 bytes and a space, and a
/// character beyond Latin-1 could not go out at all.
/// </summary>
internal static class LocationUrl
{
    /// <summary>The URL, encoded; the same string when nothing needs it (no allocation).</summary>
    public static string Encode(string url)
    {
        var first = FirstToEncode(url);
        if (first < 0)
        {
            return url;
        }
        var builder = new StringBuilder(url.Length + 16).Append(url, 0, first);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = first; i < url.Length; i++)
        {
            var c = url[i];
            if (Keeps(url, i))
            {
                builder.Append(c);
                continue;
            }
            var rune = Rune.TryGetRuneAt(url, i, out var r) ? r : Rune.ReplacementChar; // a lone surrogate becomes U+FFFD
            i += rune.Utf16SequenceLength - 1;
            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
        }
        return builder.ToString();
    }

    private const string HexUpper = "0123456789ABCDEF";

    private static int FirstToEncode(string url)
    {
        for (var i = 0; i < url.Length; i++)
        {
            if (!Keeps(url, i))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// The bytes encodeurl leaves: ! # $ &amp; ' ( ) * + , - . / 0-9 : ; = ? @ A-Z [ \ ] ^ _ a-z | ~, and '%' when two hex
    /// digits follow it.
    /// </summary>
    private static bool Keeps(string url, int i)
    {
        var c = url[i];
        if (c == '%')
        {
            return i + 2 < url.Length && char.IsAsciiHexDigit(url[i + 1]) && char.IsAsciiHexDigit(url[i + 2]);
        }
        return c is '!' or (>= '#' and <= ';') or '=' or (>= '?' and <= '_') or (>= 'a' and <= 'z') or '|' or '~';
    }
}
