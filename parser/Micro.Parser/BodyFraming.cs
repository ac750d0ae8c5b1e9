namespace Micro.Parser;

/// <summary>How the request body is delimited (RFC 9112 section 6.3).</summary>
public enum BodyFraming : byte
{
    /// <summary>No body follows the head.</summary>
    None,

    /// <summary><see cref="RequestHead.ContentLength"/> bytes of body follow the head.</summary>
    ContentLength,

    /// <summary>A chunked body follows the head; decode it with <see cref="ChunkedDecoder"/>.</summary>
    Chunked,
}
