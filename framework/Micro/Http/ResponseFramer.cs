using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Micro.Transport;
using Microsoft.AspNetCore.WebUtilities;

namespace Micro.Http;

/// <summary>
/// How a response goes on the wire (RFC 9112 section 6): the status line and header section, then a body framed by
/// Content-Length, by the chunked coding, or (HTTP/1.0, length unknown) by the end of the connection; none for 204
/// and 304. Writes bytes only; the exchange decides what to write. The lines every head begins with are made ahead:
/// a status line once per status code, the Date line once a second by the reactors' tick, not per response.
/// </summary>
internal static class ResponseFramer
{
    private static readonly byte[]?[] StatusLines = new byte[600][];
    private static byte[] _dateLine = FormatDate(DateTimeOffset.UtcNow);
    private static long _dateSecond;

    /// <summary>"HTTP/1.1 200 OK\r\n" and the like, built once per status code.</summary>
    public static ReadOnlySpan<byte> StatusLine(int statusCode) =>
        (uint)statusCode >= StatusLines.Length ? BuildStatusLine(statusCode) : StatusLines[statusCode] ??= BuildStatusLine(statusCode);

    /// <summary>"Date: Tue, 24 Nov 2026 07:30:00 GMT\r\n".</summary>
    public static ReadOnlySpan<byte> DateLine => Volatile.Read(ref _dateLine);

    /// <summary>Formats the Date line again when the second has changed (the reactors' tick).</summary>
    public static void RefreshDate()
    {
        var now = DateTimeOffset.UtcNow;
        var second = now.ToUnixTimeSeconds();
        if (Interlocked.Exchange(ref _dateSecond, second) != second)
        {
            Volatile.Write(ref _dateLine, FormatDate(now));
        }
    }

    private static byte[] FormatDate(DateTimeOffset now) => Encoding.ASCII.GetBytes($"Date: {now:r}\r\n");

    /// <summary>"HTTP/1.1 299 Own Words\r\n": a status line with an application's reason phrase, checked by <see cref="IsReasonPhrase"/>.</summary>
    public static byte[] StatusLine(int statusCode, ReadOnlySpan<byte> reasonPhrase) =>
        [.. Encoding.ASCII.GetBytes($"HTTP/1.1 {statusCode} "), .. reasonPhrase, (byte)'\r', (byte)'\n'];

    /// <summary>
    /// RFC 9112 section 4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ), the bytes a field value may hold: nothing
    /// that could end the line.
    /// </summary>
    public static bool IsReasonPhrase(ReadOnlySpan<byte> phrase) => !phrase.IsEmpty && !ResponseHeaders.HoldsControlCharacter(phrase);

    /// <summary>
    /// "HTTP/1.1 200 OK\r\n"; a code without a registered phrase gets none ("HTTP/1.1 299 \r\n"): RFC 9112 section 4 makes
    /// the phrase optional and the space before it not, and Kestrel sends the same line.
    /// </summary>
    private static byte[] BuildStatusLine(int statusCode) =>
        Encoding.ASCII.GetBytes($"HTTP/1.1 {statusCode} {ReasonPhrases.GetReasonPhrase(statusCode)}\r\n");

    /// <summary>A length that is not known yet: the body is chunked (or, for HTTP/1.0, ends with the connection).</summary>
    public const long UnknownLength = -1;

    /// <summary>
    /// A HEAD response whose handler wrote nothing and declared no length: no framing header at all. Its Content-Length
    /// would have to be the length a GET's body would have (RFC 9110 section 8.6), which nothing told; 0 could be false.
    /// </summary>
    public const long NoLengthToTell = -2;

    /// <summary>Only 204 and 304 (of the final statuses) have no body (RFC 9110 sections 15.3.5 and 15.4.5).</summary>
    public static bool AllowsBody(int statusCode) => statusCode is not (204 or 304) && statusCode >= 200;

    /// <summary>
    /// Writes the status line and headers (the response's, then <paramref name="lines"/>: whole lines a host composed
    /// and checked), then <paramref name="body"/> (a whole body sent with the head, or none). Returns whether the
    /// connection closes after this response: <paramref name="close"/>, or an HTTP/1.0 body of unknown length, which
    /// only the close can end. <paramref name="statusLine"/>, when given, replaces the status code's own line.
    /// </summary>
    public static bool WriteHead(
        OutputBuffer output, int statusCode, bool http11, bool close, ReadOnlySpan<byte> serverLine,
        ReadOnlySpan<byte> contentType, ResponseHeaders? headers, long contentLength, ReadOnlySpan<byte> body = default, ReadOnlySpan<byte> lines = default,
        ReadOnlySpan<byte> statusLine = default)
    {
        statusLine = statusLine.IsEmpty ? StatusLine(statusCode) : statusLine;
        var date = DateLine;
        var startLength = statusLine.Length + serverLine.Length + date.Length + (contentType.IsEmpty ? 0 : 16 + contentType.Length);
        var headersLength = (headers?.Length ?? 0) + lines.Length;
        if (startLength + headersLength + HeadEndMaximum + body.Length <= OneSpan)
        {
            // The common small response (a few headers, a short body): one span of the output, advanced once.
            var span = output.GetSpan(startLength + headersLength + HeadEndMaximum + body.Length);
            var at = PutStart(span, statusLine, serverLine, date, contentType);
            at += headers?.CopyTo(span[at..]) ?? 0;
            at = Put(span, at, lines);
            at = PutEnd(span, at, statusCode, http11, ref close, contentLength);
            output.Advance(Put(span, at, body));
            return close;
        }
        WriteHeadStart(output, startLength, statusLine, serverLine, date, contentType);
        headers?.WriteTo(output);
        output.Write(lines);
        var end = output.GetSpan(HeadEndMaximum);
        output.Advance(PutEnd(end, 0, statusCode, http11, ref close, contentLength));
        output.Write(body);
        return close;
    }

    /// <summary>A head and body this short go out in one span of the output.</summary>
    private const int OneSpan = 512;

    /// <summary>The framing header and the connection's, then the blank line; <paramref name="close"/> becomes true for an HTTP/1.0 body of unknown length.</summary>
    private static int PutEnd(Span<byte> span, int at, int statusCode, bool http11, ref bool close, long contentLength)
    {
        if (!AllowsBody(statusCode) || contentLength == NoLengthToTell)
        {
            // 204 and 304 end at their header section: no Content-Length, no chunked coding; nor does a HEAD with nothing to tell.
        }
        else if (contentLength >= 0)
        {
            at = Put(span, at, "Content-Length: "u8);
            Utf8Formatter.TryFormat(contentLength, span[at..], out var written);
            at = Put(span, at + written, "\r\n"u8);
        }
        else if (http11)
        {
            at = Put(span, at, "Transfer-Encoding: chunked\r\n"u8);
        }
        else
        {
            close = true; // HTTP/1.0 has no chunked coding: the end of the body is the end of the connection.
        }
        if (close)
        {
            at = Put(span, at, "Connection: close\r\n"u8);
        }
        else if (!http11)
        {
            at = Put(span, at, "Connection: keep-alive\r\n"u8);
        }
        return Put(span, at, "\r\n"u8);
    }

    /// <summary>"Content-Length: " and 20 digits, or the chunked coding's line; a Connection line; the blank line.</summary>
    private const int HeadEndMaximum = 16 + 20 + 2 + 24 + 2;

    /// <summary>
    /// The status line, Server, Date and Content-Type: copied into one span of the output and advanced once (the
    /// output's bookkeeping per write was a fifth of the user time of a pipelined plaintext request), or piece by
    /// piece when an app's long Content-Type would not fit a small span.
    /// </summary>
    private static void WriteHeadStart(OutputBuffer output, int length, ReadOnlySpan<byte> statusLine, ReadOnlySpan<byte> serverLine, ReadOnlySpan<byte> date, ReadOnlySpan<byte> contentType)
    {
        if (length > 1024)
        {
            output.Write(statusLine);
            output.Write(serverLine);
            output.Write(date);
            if (!contentType.IsEmpty)
            {
                output.Write("Content-Type: "u8);
                output.Write(contentType);
                output.Write("\r\n"u8);
            }
            return;
        }
        output.Advance(PutStart(output.GetSpan(length), statusLine, serverLine, date, contentType));
    }

    private static int PutStart(Span<byte> span, ReadOnlySpan<byte> statusLine, ReadOnlySpan<byte> serverLine, ReadOnlySpan<byte> date, ReadOnlySpan<byte> contentType)
    {
        var at = Put(span, 0, statusLine);
        at = Put(span, at, serverLine);
        at = Put(span, at, date);
        if (!contentType.IsEmpty)
        {
            at = Put(span, at, "Content-Type: "u8);
            at = Put(span, at, contentType);
            at = Put(span, at, "\r\n"u8);
        }
        return at;
    }

    private static int Put(Span<byte> span, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[at..]);
        return at + bytes.Length;
    }

    /// <summary>One piece of a body of unknown length: a chunk for HTTP/1.1, the bytes as they are for HTTP/1.0.</summary>
    public static void WriteChunk(OutputBuffer output, ReadOnlySpan<byte> bytes, bool http11)
    {
        if (bytes.IsEmpty)
        {
            return; // an empty chunk would end the body
        }
        if (http11)
        {
            var span = output.GetSpan(18);
            Utf8Formatter.TryFormat(bytes.Length, span, out var written, new StandardFormat('x'));
            span[written++] = (byte)'\r';
            span[written++] = (byte)'\n';
            output.Advance(written);
            output.Write(bytes);
            output.Write("\r\n"u8);
        }
        else
        {
            output.Write(bytes);
        }
    }

    /// <summary>The end of a chunked body: the last chunk and its trailer section (empty unless <paramref name="trailers"/> has lines).</summary>
    public static void WriteLastChunk(OutputBuffer output, ReadOnlySpan<byte> trailers = default)
    {
        output.Write("0\r\n"u8);
        output.Write(trailers);
        output.Write("\r\n"u8);
    }
}
