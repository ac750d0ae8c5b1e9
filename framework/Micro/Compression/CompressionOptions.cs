using System.IO.Compression;

namespace Micro.Compression;

/// <summary>What <c>app.UseCompression</c> compresses, and how hard.</summary>
public sealed class CompressionOptions
{
    /// <summary>
    /// How hard to compress: <see cref="CompressionLevel.Fastest"/> by default (gzip level 1, Brotli quality 1), which
    /// costs a few microseconds per kilobyte; <see cref="CompressionLevel.Optimal"/> trades CPU for size.
    /// </summary>
    public CompressionLevel Level { get; set; } = CompressionLevel.Fastest;

    /// <summary>Buffered bodies smaller than this go as they are (their coding would cost more than it saves). Default 1,024 bytes.</summary>
    public int MinimumSize { get; set; } = 1024;

    /// <summary>Offer Brotli to clients that accept it (preferred over gzip at equal quality). Default true.</summary>
    public bool Brotli { get; set; } = true;

    /// <summary>Offer gzip. Default true.</summary>
    public bool Gzip { get; set; } = true;

    /// <summary>
    /// Media types worth compressing: text and the structured text formats. Anything else (images, video, archives,
    /// fonts already compressed, octet streams) goes as it is. Also any <c>+json</c> and <c>+xml</c> type.
    /// </summary>
    public ISet<string> MimeTypes { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "text/plain", "text/html", "text/css", "text/javascript", "text/xml", "text/csv", "text/markdown", "text/event-stream",
        "application/json", "application/javascript", "application/xml", "application/wasm", "application/manifest+json",
        "image/svg+xml", "application/x-www-form-urlencoded",
    };

    private byte[][]? _typeBytes;

    /// <summary>
    /// Takes the media types as bytes, once, when <c>UseCompression</c> has been configured: a response's Content-Type
    /// is then matched as the bytes the response keeps, with no string made or widened per response. Types added to
    /// <see cref="MimeTypes"/> later are not seen (configure them in <c>UseCompression</c>'s callback).
    /// </summary>
    internal void Freeze() => _typeBytes = [.. MimeTypes.Select(type => System.Text.Encoding.Latin1.GetBytes(type.Trim()))];

    /// <summary>
    /// Whether a response of <paramref name="contentType"/> (its header's bytes, parameters and all) is worth
    /// compressing: its media type is one of <see cref="MimeTypes"/> or ends in +json or +xml, in any case.
    /// </summary>
    internal bool IsCompressible(ReadOnlySpan<byte> contentType)
    {
        var types = _typeBytes ?? throw new InvalidOperationException("The compression options are read only once UseCompression has taken them.");
        var semicolon = contentType.IndexOf((byte)';');
        var untrimmed = semicolon < 0 ? contentType : contentType[..semicolon];
        var mediaType = untrimmed[System.Text.Ascii.Trim(untrimmed)];
        foreach (var type in types)
        {
            if (type.Length == mediaType.Length && System.Text.Ascii.EqualsIgnoreCase(type, mediaType))
            {
                return true;
            }
        }
        return EndsWithIgnoreCase(mediaType, "+json"u8) || EndsWithIgnoreCase(mediaType, "+xml"u8);
    }

    private static bool EndsWithIgnoreCase(ReadOnlySpan<byte> value, ReadOnlySpan<byte> suffix) =>
        value.Length >= suffix.Length && System.Text.Ascii.EqualsIgnoreCase(value[^suffix.Length..], suffix);
}
