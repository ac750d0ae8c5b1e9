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

    public static AcceptEncoding Parse(ReadOnlySpan<byte> header)
    {
        double? gzip = null, brotli = null, identity = null, any = null;
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
                gzip ??= quality;
            }
            else if (Ascii.EqualsIgnoreCase(name, "br"u8))
            {
                brotli ??= quality;
            }
            else if (Ascii.EqualsIgnoreCase(name, "identity"u8))
            {
                identity ??= quality;
            }
            else if (name.SequenceEqual("*"u8))
            {
                any ??= quality;
            }
        }
        return new AcceptEncoding(gzip ?? any ?? 0, brotli ?? any ?? 0, (identity ?? (any == 0 ? 0 : 1)) == 0);
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
