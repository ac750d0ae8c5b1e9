namespace Micro.Parser;

/// <summary>Why a request (or a chunked body) was refused. <see cref="ParseErrors.StatusCode"/> maps each to the status to answer with.</summary>
public enum ParseError : byte
{
    /// <summary>No error.</summary>
    None,

    // Request line (RFC 9112 section 3).
    /// <summary>The method is empty or not a token, or is not followed by a single space.</summary>
    InvalidMethod,
    /// <summary>The request-target is empty, holds a byte outside visible ASCII or a fragment, or does not suit its method.</summary>
    InvalidRequestTarget,
    /// <summary>The version is not of the form HTTP/x.y followed by CRLF.</summary>
    InvalidVersion,
    /// <summary>A well-formed HTTP version other than 1.0 or 1.1.</summary>
    UnsupportedVersion,
    /// <summary>The request line is longer than <see cref="HttpParserLimits.MaxRequestLineLength"/>.</summary>
    RequestLineTooLong,
    /// <summary>More empty lines before the request line than the request-line limit allows.</summary>
    TooManyEmptyLines,

    // Line structure (RFC 9112 section 2.2).
    /// <summary>A line ends in LF without CR; Micro does not accept bare LF terminators.</summary>
    BareLineFeed,
    /// <summary>A CR that is not followed by LF.</summary>
    BareCarriageReturn,

    // Header fields (RFC 9112 section 5, RFC 9110 section 5).
    /// <summary>A header name is empty or holds a byte that is not a token character.</summary>
    InvalidHeaderName,
    /// <summary>Whitespace between a header name and its colon (RFC 9112 section 5.1: MUST reject).</summary>
    WhitespaceBeforeColon,
    /// <summary>A header line starts with whitespace: obsolete line folding (RFC 9112 section 5.2).</summary>
    ObsoleteLineFolding,
    /// <summary>A header value holds a control character (NUL, CTL or DEL).</summary>
    InvalidHeaderValue,
    /// <summary>The header section is larger than <see cref="HttpParserLimits.MaxHeaderBytes"/>.</summary>
    HeaderSectionTooLarge,
    /// <summary>More header lines than <see cref="HttpParserLimits.MaxHeaderCount"/>.</summary>
    TooManyHeaders,
    /// <summary>An HTTP/1.1 request without a Host header (RFC 9112 section 3.2).</summary>
    MissingHost,
    /// <summary>More than one Host header line.</summary>
    MultipleHost,
    /// <summary>A Host value that is not a valid uri-host[:port].</summary>
    InvalidHost,

    // Message framing (RFC 9112 section 6).
    /// <summary>A Content-Length that is not a plain decimal number, or that overflows a 64-bit integer.</summary>
    InvalidContentLength,
    /// <summary>Several Content-Length lines with different values.</summary>
    ConflictingContentLength,
    /// <summary>Both Content-Length and Transfer-Encoding: the classic smuggling vector (RFC 9112 section 6.3).</summary>
    ContentLengthWithTransferEncoding,
    /// <summary>Transfer-Encoding is present but chunked is not the final coding.</summary>
    ChunkedNotFinal,
    /// <summary>chunked is listed more than once.</summary>
    ChunkedAppliedTwice,
    /// <summary>A Transfer-Encoding value that is not a list of tokens.</summary>
    InvalidTransferEncoding,
    /// <summary>A transfer coding other than chunked, which Micro does not implement.</summary>
    UnsupportedTransferCoding,
    /// <summary>Transfer-Encoding in an HTTP/1.0 request, whose framing then cannot be trusted (RFC 9112 section 6.1).</summary>
    TransferEncodingInHttp10,
    /// <summary>An Expect value other than 100-continue.</summary>
    UnsupportedExpectation,

    // Chunked body (RFC 9112 section 7.1).
    /// <summary>A chunk size that is empty, not hexadecimal, or too large.</summary>
    InvalidChunkSize,
    /// <summary>A chunk extension with a control character or a malformed separator.</summary>
    InvalidChunkExtension,
    /// <summary>Chunk extensions longer than <see cref="HttpParserLimits.MaxChunkExtensionLength"/>.</summary>
    ChunkExtensionTooLong,
    /// <summary>Chunk data not followed by CRLF.</summary>
    MissingChunkTerminator,
    /// <summary>A malformed trailer field line.</summary>
    InvalidTrailer,
    /// <summary>The trailer section is larger than the header limits allow.</summary>
    TrailerSectionTooLarge,
}
