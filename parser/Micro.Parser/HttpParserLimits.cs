namespace Micro.Parser;

/// <summary>
/// The sizes past which a request is refused. Defaults match Kestrel's: an 8 KiB request line, 32 KiB of header
/// section and 100 header lines.
/// </summary>
public sealed record HttpParserLimits
{
    /// <summary>The limits a server uses unless told otherwise.</summary>
    public static HttpParserLimits Default { get; } = new();

    /// <summary>The longest request line, CRLF included; longer gets 414.</summary>
    public int MaxRequestLineLength { get; init; } = 8 * 1024;

    /// <summary>The most bytes of header field lines (and, for chunked bodies, of trailer lines), CRLFs included; more gets 431.</summary>
    public int MaxHeaderBytes { get; init; } = 32 * 1024;

    /// <summary>The most header (or trailer) field lines; more gets 431.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>The most bytes of chunk extensions on one chunk-size line; more gets 400.</summary>
    public int MaxChunkExtensionLength { get; init; } = 4 * 1024;
}
