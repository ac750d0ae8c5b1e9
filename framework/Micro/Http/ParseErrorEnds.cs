using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// What a refused request makes of its connection's end, for the metrics' <c>error.type</c>: Kestrel's grouping of
/// the same faults (its RequestRejectionReason to ConnectionEndReason), so the two servers' dashboards agree.
/// </summary>
internal static class ParseErrorEnds
{
    public static ConnectionError ConnectionEnd(this ParseError error) => error switch
    {
        ParseError.None => ConnectionError.None,
        ParseError.InvalidMethod or ParseError.InvalidRequestTarget or ParseError.RequestLineTooLong or ParseError.TooManyEmptyLines
            => ConnectionError.InvalidRequestLine,
        ParseError.InvalidVersion or ParseError.UnsupportedVersion => ConnectionError.InvalidHttpVersion,
        ParseError.HeaderSectionTooLarge => ConnectionError.MaxRequestHeadersTotalSizeExceeded,
        ParseError.TooManyHeaders => ConnectionError.MaxRequestHeaderCountExceeded,
        ParseError.BareLineFeed or ParseError.BareCarriageReturn or ParseError.InvalidHeaderName or ParseError.WhitespaceBeforeColon
            or ParseError.ObsoleteLineFolding or ParseError.InvalidHeaderValue or ParseError.MissingHost or ParseError.MultipleHost
            or ParseError.InvalidHost or ParseError.InvalidContentLength or ParseError.ConflictingContentLength
            or ParseError.ContentLengthWithTransferEncoding or ParseError.ChunkedNotFinal or ParseError.ChunkedAppliedTwice
            or ParseError.InvalidTransferEncoding or ParseError.UnsupportedTransferCoding or ParseError.TransferEncodingInHttp10
            or ParseError.UnsupportedExpectation => ConnectionError.InvalidRequestHeaders,
        _ => ConnectionError.OtherError, // a malformed chunked body or trailer section
    };
}
