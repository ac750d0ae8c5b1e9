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

    /// <summary>As <see cref="IsCompressible(string?)"/>, for the header's bytes as the response keeps them: no string made.</summary>
    internal bool IsCompressible(ReadOnlySpan<byte> contentType)
    {
        Span<char> chars = stackalloc char[Math.Min(contentType.Length, 128)];
        if (contentType.Length > chars.Length)
        {
            return IsCompressible(System.Text.Encoding.Latin1.GetString(contentType)); // a type this long is rare enough for a string
        }
        ReadOnlySpan<char> mediaType = chars[..System.Text.Encoding.Latin1.GetChars(contentType, chars)];
        var semicolon = mediaType.IndexOf(';');
        mediaType = (semicolon < 0 ? mediaType : mediaType[..semicolon]).Trim();
        var known = MimeTypes is HashSet<string> set && set.TryGetAlternateLookup<ReadOnlySpan<char>>(out var lookup)
            ? lookup.Contains(mediaType)
            : MimeTypes.Contains(mediaType.ToString());
        return known || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }

    internal bool IsCompressible(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return false;
        }
        var semicolon = contentType.IndexOf(';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim();
        return MimeTypes.Contains(mediaType) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);
    }
}
