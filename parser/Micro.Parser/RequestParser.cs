using static Micro.Parser.HttpScanner;

namespace Micro.Parser;

/// <summary>
/// Parses an HTTP/1.1 request head (RFC 9112) in place: no copies, no strings, no allocations. Like picohttpparser's
/// <c>phr_parse_request</c>, "incomplete" is an ordinary answer: call again with the same request's bytes from the
/// same start plus whatever arrived since, and only the new bytes are scanned until the head is whole.
/// </summary>
/// <remarks>
/// Line endings: only CRLF. RFC 9112 section 2.2 lets a recipient accept a bare LF; Micro refuses it (400), because
/// a front end and a back end that disagree on line ends are a request smuggling vector, and every real client sends
/// CRLF. Up to a request line's worth of empty lines before the request line is skipped, as section 2.2 asks.
/// </remarks>
public static partial class RequestParser
{
    /// <summary>Parses as much of a request head as <paramref name="buffer"/> holds into <paramref name="head"/>.</summary>
    /// <param name="buffer">The bytes received so far, starting at the first byte of this request.</param>
    /// <param name="head">The result; call <see cref="RequestHead.Reset"/> before a new request, not between calls on the same one.</param>
    /// <param name="limits">The sizes past which the request is refused.</param>
    public static ParseStatus Parse(ReadOnlySpan<byte> buffer, RequestHead head, HttpParserLimits limits)
    {
        ref var scan = ref head.Scan;
        if (scan.Started)
        {
            return ContinueScan(buffer, head, limits);
        }
        scan.Started = true;
        var status = ParseHead(buffer, head, limits, out var pendingLine);
        if (status != ParseStatus.Incomplete)
        {
            return status;
        }
        scan.LineStart = pendingLine;
        scan.ScannedTo = pendingLine;
        return ContinueScan(buffer, head, limits);
    }

    /// <summary>Looks for the end of the head in the bytes not yet scanned; parses the whole head once it is there.</summary>
    private static ParseStatus ContinueScan(ReadOnlySpan<byte> buffer, RequestHead head, HttpParserLimits limits)
    {
        ref var scan = ref head.Scan;
        while (true)
        {
            var lf = buffer[scan.ScannedTo..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                scan.ScannedTo = buffer.Length;
                return CheckPendingSize(buffer.Length, head, limits);
            }
            lf += scan.ScannedTo;
            if (lf == scan.LineStart || buffer[lf - 1] != '\r')
            {
                return Fail(head, ParseError.BareLineFeed);
            }
            var lineEnd = lf + 1;
            if (lf - 1 == scan.LineStart)
            {
                if (scan.HeadersStart == 0)
                {
                    // An empty line before the request line: skipped (RFC 9112 section 2.2).
                    scan.RequestStart = lineEnd;
                    if (lineEnd > limits.MaxRequestLineLength)
                    {
                        return Fail(head, ParseError.TooManyEmptyLines);
                    }
                }
                else
                {
                    head.ClearResults();
                    var status = ParseHead(buffer, head, limits, out _);
                    return status == ParseStatus.Incomplete ? Fail(head, ParseError.InvalidHeaderValue) : status;
                }
            }
            else if (scan.HeadersStart == 0)
            {
                var status = ParseRequestLine(buffer, scan.RequestStart, head, limits, out var headersStart);
                if (status != ParseStatus.Complete)
                {
                    return status == ParseStatus.Error ? status : Fail(head, ParseError.InvalidVersion);
                }
                scan.HeadersStart = headersStart;
            }
            else
            {
                if (++scan.HeaderLines > limits.MaxHeaderCount)
                {
                    return Fail(head, ParseError.TooManyHeaders);
                }
                if (lineEnd - scan.HeadersStart > limits.MaxHeaderBytes)
                {
                    return Fail(head, ParseError.HeaderSectionTooLarge);
                }
            }
            scan.LineStart = lineEnd;
            scan.ScannedTo = lineEnd;
        }
    }

    private static ParseStatus CheckPendingSize(int received, RequestHead head, HttpParserLimits limits)
    {
        var scan = head.Scan;
        if (scan.HeadersStart == 0)
        {
            return received - scan.RequestStart > limits.MaxRequestLineLength
                ? Fail(head, ParseError.RequestLineTooLong)
                : ParseStatus.Incomplete;
        }
        // The final empty line's CRLF is not part of the header section's size.
        return received - scan.HeadersStart > limits.MaxHeaderBytes + 2
            ? Fail(head, ParseError.HeaderSectionTooLarge)
            : ParseStatus.Incomplete;
    }

    /// <summary>
    /// One pass over the head, validating as it goes. Returns Incomplete with the start of the line that ran past the
    /// end of the buffer; every line before it is whole and valid.
    /// </summary>
    private static ParseStatus ParseHead(ReadOnlySpan<byte> buffer, RequestHead head, HttpParserLimits limits, out int pendingLine)
    {
        ref var scan = ref head.Scan;
        var pos = 0;
        pendingLine = 0;
        while (pos < buffer.Length && buffer[pos] == '\r')
        {
            if (pos + 1 == buffer.Length)
            {
                scan.RequestStart = pendingLine = pos;
                return ParseStatus.Incomplete;
            }
            if (buffer[pos + 1] != '\n')
            {
                return Fail(head, ParseError.BareCarriageReturn);
            }
            pos += 2;
            if (pos > limits.MaxRequestLineLength)
            {
                return Fail(head, ParseError.TooManyEmptyLines);
            }
        }
        scan.RequestStart = pos;
        pendingLine = pos;

        var status = ParseRequestLine(buffer, pos, head, limits, out pos);
        if (status != ParseStatus.Complete)
        {
            return status == ParseStatus.Incomplete ? CheckPendingSize(buffer.Length, head, limits) : status;
        }
        scan.HeadersStart = pos;
        var headersStart = pos;

        while (true)
        {
            pendingLine = pos;
            if (pos >= buffer.Length)
            {
                return CheckPendingSize(buffer.Length, head, limits);
            }
            var first = buffer[pos];
            if (first == '\r')
            {
                if (pos + 1 == buffer.Length)
                {
                    return ParseStatus.Incomplete;
                }
                if (buffer[pos + 1] != '\n')
                {
                    return Fail(head, ParseError.BareCarriageReturn);
                }
                head.HeadLength = pos + 2;
                var error = head.Semantics.Settle(head);
                return error == ParseError.None ? ParseStatus.Complete : Fail(head, error);
            }
            if (IsWhitespace(first))
            {
                return Fail(head, ParseError.ObsoleteLineFolding);
            }

            int nameLength, valueStart, stop;
            var colonOffset = HttpScanner.ScanFieldLine(buffer[pos..], out var stopOffset);
            if (colonOffset > 0)
            {
                // Fast path: a plain name and its colon within one vector; the line end found in the same load, or after it.
                nameLength = colonOffset;
                valueStart = pos + colonOffset + 1;
                if (stopOffset < 0)
                {
                    var tail = HttpScanner.IndexOfFieldValueStop(buffer[(pos + HttpScanner.LineVectorLength)..]);
                    if (tail < 0)
                    {
                        return CheckPendingSize(buffer.Length, head, limits);
                    }
                    stopOffset = HttpScanner.LineVectorLength + tail;
                }
                while (IsWhitespace(buffer[valueStart]))
                {
                    valueStart++; // stops at the stop byte at the latest: SP and HTAB are not stops
                }
                stop = pos + stopOffset - valueStart;
            }
            else
            {
                nameLength = HttpScanner.IndexOfNonToken(buffer[pos..]);
                if (nameLength < 0)
                {
                    return CheckPendingSize(buffer.Length, head, limits);
                }
                var colon = pos + nameLength;
                if (buffer[colon] != ':' || nameLength == 0)
                {
                    return Fail(head, buffer[colon] switch
                    {
                        (byte)'\n' when nameLength == 0 => ParseError.BareLineFeed,
                        (byte)' ' or (byte)'\t' when nameLength > 0 => ParseError.WhitespaceBeforeColon,
                        _ => ParseError.InvalidHeaderName,
                    });
                }
                valueStart = colon + 1;
                while (valueStart < buffer.Length && IsWhitespace(buffer[valueStart]))
                {
                    valueStart++;
                }
                stop = HttpScanner.IndexOfFieldValueStop(buffer[valueStart..]);
                if (stop < 0)
                {
                    return CheckPendingSize(buffer.Length, head, limits);
                }
            }
            var cr = valueStart + stop;
            if (buffer[cr] != '\r')
            {
                return Fail(head, buffer[cr] == '\n' ? ParseError.BareLineFeed : ParseError.InvalidHeaderValue);
            }
            if (cr + 1 == buffer.Length)
            {
                return CheckPendingSize(buffer.Length, head, limits);
            }
            if (buffer[cr + 1] != '\n')
            {
                return Fail(head, ParseError.BareCarriageReturn);
            }
            var valueEnd = cr;
            while (valueEnd > valueStart && IsWhitespace(buffer[valueEnd - 1]))
            {
                valueEnd--;
            }
            pos = cr + 2;
            if (head.HeaderCount == limits.MaxHeaderCount)
            {
                return Fail(head, ParseError.TooManyHeaders);
            }
            if (pos - headersStart > limits.MaxHeaderBytes)
            {
                return Fail(head, ParseError.HeaderSectionTooLarge);
            }
            // The ranges go on in registers: a HeaderField built here and passed on was composed on the stack by four
            // stores and read back as one 16-byte load, which the store buffer cannot forward (a stall per header line,
            // an eighth of a short request's parse).
            var name = new ByteRange(pendingLine, nameLength);
            var value = new ByteRange(valueStart, valueEnd - valueStart);
            head.AddHeader(name, value);
            scan.HeaderLines = head.HeaderCount;
            if (KnownHeaders.MayBeKnown(nameLength))
            {
                var fieldError = ApplyKnownHeader(buffer, head, name, value);
                if (fieldError != ParseError.None)
                {
                    return Fail(head, fieldError);
                }
            }
        }
    }

    private static ParseError ApplyKnownHeader(ReadOnlySpan<byte> buffer, RequestHead head, ByteRange nameRange, ByteRange valueRange)
    {
        var value = valueRange.Of(buffer);
        switch (KnownHeaders.Classify(nameRange.Of(buffer)))
        {
            case KnownHeader.Host:
                if (++head.Semantics.HostLines > 1)
                {
                    return ParseError.MultipleHost;
                }
                if (!HostSyntax.IsHostAndPort(value))
                {
                    return ParseError.InvalidHost;
                }
                if (head.TargetForm != RequestTargetForm.Absolute)
                {
                    head.Host = valueRange; // an absolute-form target's authority is the host (RFC 9112 section 3.2.2)
                    head.HasHost = true;
                }
                return ParseError.None;
            case KnownHeader.ContentLength:
                return head.Semantics.AddContentLength(value);
            case KnownHeader.TransferEncoding:
                return head.Semantics.AddTransferEncoding(value);
            case KnownHeader.Connection:
                head.Semantics.AddConnection(value);
                return ParseError.None;
            case KnownHeader.Expect:
                return head.Semantics.AddExpect(value);
            default:
                return ParseError.None;
        }
    }

    private static ParseStatus Fail(RequestHead head, ParseError error)
    {
        head.Error = error;
        return ParseStatus.Error;
    }
}
