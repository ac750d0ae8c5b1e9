using System.Buffers.Text;
using System.Text;

namespace Micro.Compression;

/// <summary>
/// What a request's Accept-Encoding allows (RFC 9110 section 12.5.3), read from its bytes without allocating: each
/// coding's quality, <c>*</c> for any coding not named, and whether identity (no coding) was refused with
/// <c>identity;q=0</c> or <c>*;q=0</c>. No header: identity only (a client that says nothing gets no coding).
/// </summary>
internal readonly record struct AcceptEncoding(double Gzip, double Brotli, bool IdentityRefused)
{
    /// <summary>The coding to use: the highest quality above zero, Brotli on a tie (smaller); Identity when neither is acceptable.</summary>
    public ContentCoding Best => Brotli > 0 && Brotli >= Gzip ? ContentCoding.Brotli : Gzip > 0 ? ContentCoding.Gzip : ContentCoding.Identity;

    /// <summary>The next best after <paramref name="unavailable"/> (a file with only one precompressed sibling).</summary>
    public ContentCoding BestExcept(ContentCoding unavailable) => unavailable switch
    {
        ContentCoding.Brotli => Gzip > 0 ? ContentCoding.Gzip : ContentCoding.Identity,
        ContentCoding.Gzip => Brotli > 0 ? ContentCoding.Brotli : ContentCoding.Identity,
        _ => Best,
    };

    public bool Accepts(ContentCoding coding) => coding switch
    {
        ContentCoding.Gzip => Gzip > 0,
        ContentCoding.Brotli => Brotli > 0,
        _ => !IdentityRefused,
    };

    /// <summary>One Accept-Encoding value.</summary>
    public static AcceptEncoding Parse(ReadOnlySpan<byte> header)
    {
        var reader = new Reader();
        reader.Add(header);
        return reader.Result;
    }

    /// <summary>
    /// Every Accept-Encoding line of a request, in order, read as one list: a field sent on several lines is their
    /// values joined by commas (RFC 9110 section 5.3), so "gzip" on one line and "br" on the next accept both.
    /// </summary>
    public static AcceptEncoding Parse(Parser.RequestHead head, ReadOnlySpan<byte> bytes)
    {
        var reader = new Reader();
        foreach (var field in head.Headers)
        {
            var name = field.Name.Of(bytes);
            if (name.Length == "Accept-Encoding".Length && Ascii.EqualsIgnoreCase(name, "Accept-Encoding"u8))
            {
                reader.Add(field.Value.Of(bytes));
            }
        }
        return reader.Result;
    }

    /// <summary>The qualities read so far: the first item naming a coding decides it, as in one list.</summary>
    private ref struct Reader
    {
        private double? _gzip, _brotli, _identity, _any;

        public readonly AcceptEncoding Result => new(_gzip ?? _any ?? 0, _brotli ?? _any ?? 0, (_identity ?? (_any == 0 ? 0 : 1)) == 0);

        public void Add(ReadOnlySpan<byte> header)
        {
            foreach (var range in header.Split((byte)','))
            {
                var item = header[range].Trim(" \t"u8);
                var semicolon = item.IndexOf((byte)';');
                var name = (semicolon < 0 ? item : item[..semicolon]).Trim(" \t"u8);
                var quality = semicolon < 0 ? 1.0 : Quality(item[(semicolon + 1)..]);
                if (quality is null)
                {
                    continue; // a malformed weight: ignore the item
                }
                if (Ascii.EqualsIgnoreCase(name, "gzip"u8) || Ascii.EqualsIgnoreCase(name, "x-gzip"u8))
                {
                    _gzip ??= quality;
                }
                else if (Ascii.EqualsIgnoreCase(name, "br"u8))
                {
                    _brotli ??= quality;
                }
                else if (Ascii.EqualsIgnoreCase(name, "identity"u8))
                {
                    _identity ??= quality;
                }
                else if (name.SequenceEqual("*"u8))
                {
                    _any ??= quality;
                }
            }
        }
    }

    /// <summary>The weight of <c>q=0.5</c> (any spaces, any case), between 0 and 1; null when malformed.</summary>
    private static double? Quality(ReadOnlySpan<byte> parameters)
    {
        parameters = parameters.Trim(" \t"u8);
        if (parameters.Length < 2 || (parameters[0] | 0x20) != 'q' || parameters[1] != '=')
        {
            return null;
        }
        return Utf8Parser.TryParse(parameters[2..].Trim(" \t"u8), out double value, out var consumed) && consumed == parameters[2..].Trim(" \t"u8).Length && value is >= 0 and <= 1
            ? value
            : null;
    }
}
