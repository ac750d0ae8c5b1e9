using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using static Micro.Parser.HttpScanner;

namespace Micro.Parser;

/// <summary>The request line (RFC 9112 section 3): the method classified, the target split into its form, path and query, the version checked.</summary>
public static partial class RequestParser
{
    private const ulong Http11 = 0x312E312F50545448; // "HTTP/1.1" read little-endian
    private const ulong Http10 = 0x302E312F50545448; // "HTTP/1.0"

    /// <summary>request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 section 3).</summary>
    private static ParseStatus ParseRequestLine(ReadOnlySpan<byte> buffer, int start, RequestHead head, HttpParserLimits limits, out int lineEnd)
    {
        lineEnd = start;
        var methodLength = HttpScanner.IndexOfNonToken(buffer[start..]);
        if (methodLength < 0)
        {
            return ParseStatus.Incomplete;
        }
        if (methodLength == 0 || buffer[start + methodLength] != ' ')
        {
            return Fail(head, buffer[start + methodLength] == '\n' && methodLength == 0 ? ParseError.BareLineFeed : ParseError.InvalidMethod);
        }
        var method = buffer.Slice(start, methodLength);
        head.MethodRange = new ByteRange(start, methodLength);
        head.Method = ClassifyMethod(method);

        var targetStart = start + methodLength + 1;
        var targetLength = HttpScanner.ScanTarget(buffer[targetStart..], out var queryMark, out var percentMark, out var hasFragment);
        if (targetLength < 0)
        {
            return ParseStatus.Incomplete;
        }
        if (targetLength == 0 || buffer[targetStart + targetLength] != ' ')
        {
            // "GET /\r\n" is HTTP/0.9's request line: the version is what is missing.
            var missingVersion = targetLength > 0 && buffer[targetStart + targetLength] is (byte)'\r' or (byte)'\n';
            return Fail(head, missingVersion ? ParseError.InvalidVersion : ParseError.InvalidRequestTarget);
        }

        var versionStart = targetStart + targetLength + 1;
        if (buffer.Length - versionStart < 10)
        {
            return buffer.Length - versionStart > 0 && buffer[versionStart] != 'H'
                ? Fail(head, ParseError.InvalidVersion)
                : ParseStatus.Incomplete;
        }
        var version = BinaryPrimitives.ReadUInt64LittleEndian(buffer[versionStart..]);
        if (version == Http11)
        {
            head.Version = ProtocolVersion.Http11;
        }
        else if (version == Http10)
        {
            head.Version = ProtocolVersion.Http10;
        }
        else
        {
            return Fail(head, IsWellFormedVersion(buffer.Slice(versionStart, 8)) ? ParseError.UnsupportedVersion : ParseError.InvalidVersion);
        }
        if (buffer[versionStart + 8] != '\r' || buffer[versionStart + 9] != '\n')
        {
            return Fail(head, buffer[versionStart + 8] switch
            {
                (byte)'\n' => ParseError.BareLineFeed,
                (byte)'\r' => ParseError.BareCarriageReturn,
                _ => ParseError.InvalidVersion,
            });
        }
        lineEnd = versionStart + 10;
        if (lineEnd - start > limits.MaxRequestLineLength)
        {
            return Fail(head, ParseError.RequestLineTooLong);
        }
        var target = buffer.Slice(targetStart, targetLength);
        var targetError = hasFragment || (percentMark >= 0 && HasNulEscape(target, percentMark, queryMark))
            ? ParseError.InvalidRequestTarget
            : ParseTarget(target, targetStart, queryMark, head);
        return targetError == ParseError.None ? ParseStatus.Complete : Fail(head, targetError);
    }

    private static ReadOnlySpan<byte> Prefix(ReadOnlySpan<byte> bytes, int length) => bytes[..Math.Min(length, bytes.Length)];

    /// <summary>
    /// Whether "%00" comes before the query, from the first '%' on (the scan noted where it is, so a target without
    /// one costs nothing here). It decodes to NUL, which names no file and no route; nginx and Kestrel answer 400 too,
    /// so the server behind or beside them never takes what they refuse. A query may carry one.
    /// </summary>
    private static bool HasNulEscape(ReadOnlySpan<byte> target, int percentMark, int queryMark)
    {
        var beforeQuery = queryMark < 0 ? target.Length : queryMark;
        return percentMark < beforeQuery && target[percentMark..beforeQuery].IndexOf("%00"u8) >= 0;
    }

    private static bool IsWellFormedVersion(ReadOnlySpan<byte> version) =>
        version.StartsWith("HTTP/"u8) && char.IsAsciiDigit((char)version[5]) && version[6] == '.' && char.IsAsciiDigit((char)version[7]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RequestMethod ClassifyMethod(ReadOnlySpan<byte> method) => method.Length switch
    {
        3 when method.SequenceEqual("GET"u8) => RequestMethod.Get,
        3 when method.SequenceEqual("PUT"u8) => RequestMethod.Put,
        4 when method.SequenceEqual("POST"u8) => RequestMethod.Post,
        4 when method.SequenceEqual("HEAD"u8) => RequestMethod.Head,
        5 when method.SequenceEqual("PATCH"u8) => RequestMethod.Patch,
        5 when method.SequenceEqual("TRACE"u8) => RequestMethod.Trace,
        6 when method.SequenceEqual("DELETE"u8) => RequestMethod.Delete,
        7 when method.SequenceEqual("OPTIONS"u8) => RequestMethod.Options,
        7 when method.SequenceEqual("CONNECT"u8) => RequestMethod.Connect,
        _ => RequestMethod.Extension,
    };

    /// <summary>Splits the target into its form, path and query (RFC 9112 section 3.2) given where its first '?' is.</summary>
    private static ParseError ParseTarget(ReadOnlySpan<byte> target, int offset, int queryMark, RequestHead head)
    {
        head.Target = new ByteRange(offset, target.Length);
        var isConnect = head.Method == RequestMethod.Connect;
        int pathStart;
        if (target[0] == '/')
        {
            if (isConnect)
            {
                return ParseError.InvalidRequestTarget;
            }
            head.TargetForm = RequestTargetForm.Origin;
            pathStart = 0;
        }
        else if (isConnect)
        {
            // authority-form: uri-host ":" port; nothing else may follow.
            if (!HostSyntax.IsAuthority(target, portRequired: true))
            {
                return ParseError.InvalidRequestTarget;
            }
            head.TargetForm = RequestTargetForm.Authority;
            return ParseError.None;
        }
        else if (target.Length == 1 && target[0] == '*')
        {
            if (head.Method != RequestMethod.Options)
            {
                return ParseError.InvalidRequestTarget;
            }
            head.TargetForm = RequestTargetForm.Asterisk;
            return ParseError.None;
        }
        else
        {
            // absolute-form: an origin server has only http and https URIs to answer, and those always carry
            // an authority (RFC 9110 section 4.2); the path starts after it.
            var authorityStart = Ascii.EqualsIgnoreCase(Prefix(target, 7), "http://"u8) ? 7
                : Ascii.EqualsIgnoreCase(Prefix(target, 8), "https://"u8) ? 8
                : -1;
            if (authorityStart < 0)
            {
                return ParseError.InvalidRequestTarget;
            }
            var authorityEnd = target[authorityStart..].IndexOfAny((byte)'/', (byte)'?');
            pathStart = authorityEnd < 0 ? target.Length : authorityStart + authorityEnd;
            // The authority is the request's host, whatever a Host line says (RFC 9112 section 3.2.2); an empty one,
            // userinfo or a port that is not digits make the target invalid (RFC 9110 sections 4.2.1 and 4.2.4).
            if (!HostSyntax.IsAuthority(target[authorityStart..pathStart], portRequired: false))
            {
                return ParseError.InvalidRequestTarget;
            }
            head.TargetForm = RequestTargetForm.Absolute;
            head.Host = new ByteRange(offset + authorityStart, pathStart - authorityStart);
            head.HasHost = true;
        }

        if (queryMark < 0)
        {
            head.Path = new ByteRange(offset + pathStart, target.Length - pathStart);
            return ParseError.None;
        }
        // An authority ends at '/' or '?', so the first '?' always starts the query.
        var pathEnd = Math.Max(queryMark, pathStart);
        head.Path = new ByteRange(offset + pathStart, pathEnd - pathStart);
        head.Query = new ByteRange(offset + queryMark + 1, target.Length - queryMark - 1);
        head.HasQuery = true;
        return ParseError.None;
    }
}
