namespace Micro.Compression;

/// <summary>A content coding Micro can apply (RFC 9110 section 8.4.1).</summary>
public enum ContentCoding : byte
{
    /// <summary>No coding: the representation as it is.</summary>
    Identity,
    /// <summary>gzip (RFC 1952).</summary>
    Gzip,
    /// <summary>Brotli (RFC 7932).</summary>
    Brotli,
}
