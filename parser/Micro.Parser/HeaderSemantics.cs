namespace Micro.Parser;

/// <summary>
/// The framing and connection facts that headers contribute, gathered line by line and settled once the head is
/// complete, because several lines (Content-Length twice, Transfer-Encoding split over lines) decide together.
/// </summary>
internal struct HeaderSemantics
{
    public int HostLines;
    public bool HasContentLength;
    public long ContentLength;
    public bool HasTransferEncoding;
    public bool ChunkedSeen;
    public bool ChunkedTwice;
    public bool LastCodingIsChunked;
    public bool OtherCoding;
    public bool ConnectionClose;
    public bool ConnectionKeepAlive;
    public bool ConnectionUpgrade;
    public bool ExpectContinue;

    /// <summary>Content-Length (RFC 9110 section 8.6): 1*DIGIT, no sign, no list; repeated lines must agree.</summary>
    public ParseError AddContentLength(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return ParseError.InvalidContentLength;
        }
        long length = 0;
        foreach (var b in value)
        {
            var digit = (uint)(b - '0');
            if (digit > 9 || length > (long.MaxValue - digit) / 10)
            {
                return ParseError.InvalidContentLength;
            }
            length = length * 10 + digit;
        }
        if (HasContentLength && ContentLength != length)
        {
            return ParseError.ConflictingContentLength;
        }
        HasContentLength = true;
        ContentLength = length;
        return ParseError.None;
    }

    /// <summary>Transfer-Encoding (RFC 9112 section 6.1): a list of codings over one or more lines, applied in order.</summary>
    public ParseError AddTransferEncoding(ReadOnlySpan<byte> value)
    {
        HasTransferEncoding = true;
        var sawCoding = false;
        foreach (var range in value.Split((byte)','))
        {
            var element = value[range].Trim(" \t"u8);
            if (element.IsEmpty)
            {
                continue; // RFC 9110 section 5.6.1: empty list elements are ignored.
            }
            var parameters = element.IndexOf((byte)';');
            var name = (parameters < 0 ? element : element[..parameters]).TrimEnd(" \t"u8);
            if (name.IsEmpty || HttpScanner.IndexOfNonToken(name) >= 0)
            {
                return ParseError.InvalidTransferEncoding;
            }
            sawCoding = true;
            var isChunked = System.Text.Ascii.EqualsIgnoreCase(name, "chunked"u8);
            if (isChunked && parameters >= 0)
            {
                return ParseError.InvalidTransferEncoding; // chunked takes no parameters.
            }
            if (isChunked)
            {
                ChunkedTwice |= ChunkedSeen;
                ChunkedSeen = true;
            }
            else
            {
                OtherCoding = true;
            }
            LastCodingIsChunked = isChunked;
        }
        return sawCoding ? ParseError.None : ParseError.InvalidTransferEncoding;
    }

    /// <summary>Connection (RFC 9110 section 7.6.1): the options that matter to the server; others are ignored.</summary>
    public void AddConnection(ReadOnlySpan<byte> value)
    {
        // Nearly every client sends exactly one of these two.
        if (value.Length == 10 && System.Text.Ascii.EqualsIgnoreCase(value, "keep-alive"u8))
        {
            ConnectionKeepAlive = true;
            return;
        }
        if (value.Length == 5 && System.Text.Ascii.EqualsIgnoreCase(value, "close"u8))
        {
            ConnectionClose = true;
            return;
        }
        foreach (var range in value.Split((byte)','))
        {
            var option = value[range].Trim(" \t"u8);
            if (System.Text.Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                ConnectionKeepAlive = true;
            }
            else if (System.Text.Ascii.EqualsIgnoreCase(option, "upgrade"u8))
            {
                ConnectionUpgrade = true;
            }
        }
    }

    /// <summary>Expect (RFC 9110 section 10.1.1): 100-continue is the only expectation defined; others get 417.</summary>
    public ParseError AddExpect(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return ParseError.None;
        }
        if (!System.Text.Ascii.EqualsIgnoreCase(value, "100-continue"u8))
        {
            return ParseError.UnsupportedExpectation;
        }
        ExpectContinue = true;
        return ParseError.None;
    }

    /// <summary>Decides framing and persistence once every header line is in (RFC 9112 sections 6.1, 6.3, 9.3).</summary>
    public readonly ParseError Settle(RequestHead head)
    {
        var http11 = head.Version == ProtocolVersion.Http11;
        if (HostLines == 0 && http11)
        {
            return ParseError.MissingHost;
        }
        if (HasTransferEncoding)
        {
            if (!http11)
            {
                return ParseError.TransferEncodingInHttp10;
            }
            if (HasContentLength)
            {
                return ParseError.ContentLengthWithTransferEncoding;
            }
            if (ChunkedTwice)
            {
                return ParseError.ChunkedAppliedTwice;
            }
            if (!LastCodingIsChunked)
            {
                return ParseError.ChunkedNotFinal;
            }
            if (OtherCoding)
            {
                return ParseError.UnsupportedTransferCoding;
            }
            head.Framing = BodyFraming.Chunked;
        }
        else if (HasContentLength && ContentLength > 0)
        {
            head.Framing = BodyFraming.ContentLength;
            head.ContentLength = ContentLength;
        }
        head.KeepAlive = http11 ? !ConnectionClose : ConnectionKeepAlive && !ConnectionClose;
        head.ConnectionUpgrade = ConnectionUpgrade;
        head.ExpectContinue = http11 && ExpectContinue;
        return ParseError.None;
    }
}
