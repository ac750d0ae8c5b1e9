namespace Micro.Parser;

/// <summary>The status code and the human-readable reason behind each <see cref="ParseError"/>.</summary>
public static class ParseErrors
{
    /// <summary>The response status a server should send for <paramref name="error"/> before closing the connection.</summary>
    public static int StatusCode(this ParseError error) => error switch
    {
        ParseError.None => 200,
        ParseError.RequestLineTooLong => 414,
        ParseError.HeaderSectionTooLarge or ParseError.TooManyHeaders or ParseError.TrailerSectionTooLarge => 431,
        ParseError.UnsupportedTransferCoding => 501,
        ParseError.UnsupportedVersion => 505,
        ParseError.UnsupportedExpectation => 417,
        _ => 400,
    };

    /// <summary>A sentence naming what is wrong, for logs and exception messages.</summary>
    public static string Describe(this ParseError error) => error switch
    {
        ParseError.None => "no error",
        ParseError.InvalidMethod => "the method is not a token followed by a single space",
        ParseError.InvalidRequestTarget => "the request-target is empty, holds a byte outside visible ASCII or a fragment, or does not fit the method",
        ParseError.InvalidVersion => "the request line does not end in HTTP/x.y CRLF",
        ParseError.UnsupportedVersion => "only HTTP/1.0 and HTTP/1.1 are supported",
        ParseError.RequestLineTooLong => "the request line is longer than the configured limit",
        ParseError.TooManyEmptyLines => "too many empty lines before the request line",
        ParseError.BareLineFeed => "a line ends in LF without CR",
        ParseError.BareCarriageReturn => "a CR is not followed by LF",
        ParseError.InvalidHeaderName => "a header name is empty or is not a token",
        ParseError.WhitespaceBeforeColon => "whitespace between a header name and its colon",
        ParseError.ObsoleteLineFolding => "a header line starts with whitespace (obsolete line folding)",
        ParseError.InvalidHeaderValue => "a header value holds a control character",
        ParseError.HeaderSectionTooLarge => "the header section is larger than the configured limit",
        ParseError.TooManyHeaders => "more header lines than the configured limit",
        ParseError.MissingHost => "an HTTP/1.1 request without a Host header",
        ParseError.MultipleHost => "more than one Host header",
        ParseError.InvalidHost => "the Host header is not a valid host[:port]",
        ParseError.InvalidContentLength => "Content-Length is not a non-negative decimal number that fits in 64 bits",
        ParseError.ConflictingContentLength => "several Content-Length headers with different values",
        ParseError.ContentLengthWithTransferEncoding => "both Content-Length and Transfer-Encoding are present",
        ParseError.ChunkedNotFinal => "Transfer-Encoding is present but chunked is not its final coding",
        ParseError.ChunkedAppliedTwice => "chunked is applied more than once",
        ParseError.InvalidTransferEncoding => "Transfer-Encoding is not a list of tokens",
        ParseError.UnsupportedTransferCoding => "a transfer coding other than chunked is not implemented",
        ParseError.TransferEncodingInHttp10 => "Transfer-Encoding is not allowed in an HTTP/1.0 request",
        ParseError.UnsupportedExpectation => "the only expectation supported is 100-continue",
        ParseError.InvalidChunkSize => "a chunk size is empty, not hexadecimal, or too large",
        ParseError.InvalidChunkExtension => "a chunk extension is malformed",
        ParseError.ChunkExtensionTooLong => "chunk extensions are longer than the configured limit",
        ParseError.MissingChunkTerminator => "chunk data is not followed by CRLF",
        ParseError.InvalidTrailer => "a trailer field line is malformed",
        ParseError.TrailerSectionTooLarge => "the trailer section is larger than the configured limit",
        _ => error.ToString(),
    };
}
