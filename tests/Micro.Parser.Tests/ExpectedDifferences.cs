using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Micro.Parser.Tests;

/// <summary>
/// Where Micro.Parser and llhttp 8.1 (as Node ships it, not in strict mode) are known to disagree, and why. Each
/// entry checks that the input really has the feature that explains the disagreement, so a new kind of
/// disagreement, or one of these for the wrong reason, fails the differential test.
/// </summary>
internal static partial class ExpectedDifferences
{
    private sealed record Difference(string Reason, Func<Comparison, bool> Applies);

    private static readonly Difference[] Known =
    [
        // Micro refuses what llhttp lets through.
        new("RFC 9112 2.2 lets a recipient accept a bare LF; Micro refuses it so that it never reads line ends differently from a proxy in front of it",
            c => Refuses(c, ParseError.BareLineFeed) && HasBareLineFeed(c.Input)),
        new("RFC 9112 2.2: a bare CR MUST be treated as invalid (or replaced by SP); llhttp skips it",
            c => Refuses(c, ParseError.BareCarriageReturn) && HasBareCarriageReturn(c.Input)),
        new("RFC 9112 5.1: whitespace between a field name and its colon MUST be rejected with 400",
            c => Refuses(c, ParseError.WhitespaceBeforeColon) && FieldLines(c.Input).Any(line => NameHasWhitespace(line))),
        new("RFC 9112 5.2: obs-fold MUST be rejected (or replaced) by a server; llhttp joins the lines",
            c => Refuses(c, ParseError.ObsoleteLineFolding) && FieldLines(c.Input).Any(line => line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')),
        new("RFC 9110 5.1: a field name is a token of at least one character; llhttp takes an empty name or bytes outside tchar",
            c => Refuses(c, ParseError.InvalidHeaderName) && FieldLines(c.Input).Any(line => !HasTokenName(line))),
        new("RFC 9112 3.2: a server MUST answer 400 to an HTTP/1.1 request without Host",
            c => Refuses(c, ParseError.MissingHost) && !FieldLines(c.Input).Any(line => NameIs(line, "host"))),
        new("RFC 9112 3.2: a server MUST answer 400 to more than one Host line",
            c => Refuses(c, ParseError.MultipleHost) && FieldLines(c.Input).Count(line => NameIs(line, "host")) > 1),
        new("RFC 9112 3.2: a server MUST answer 400 to a Host value that is not uri-host[:port]; llhttp does not look at Host",
            c => Refuses(c, ParseError.InvalidHost) && FieldLines(c.Input).Any(line => NameIs(line, "host") && !IsHostValue(ValueOf(line)))),
        new("RFC 9112 3.2: the request-target is one of four forms: visible ASCII only, no fragment, '*' only for OPTIONS, host:port only for CONNECT, absolute only as http(s)://authority (a valid host[:port]), no %00 in the path, one SP on each side; llhttp is lenient about all of these",
            c => Refuses(c, ParseError.InvalidRequestTarget, ParseError.InvalidMethod, ParseError.InvalidVersion) && RequestLineIsIrregular(c.Input)),
        new("Micro serves HTTP/1.0 and HTTP/1.1 only: a request line without a version (HTTP/0.9) is refused, other versions get 505 (RFC 9110 15.6.6)",
            c => Refuses(c, ParseError.InvalidVersion, ParseError.UnsupportedVersion) && !RequestLineEndsInHttp1x(c.Input)),
        new("RFC 9110 10.1.1: a server MAY answer 417 to an expectation other than 100-continue",
            c => Refuses(c, ParseError.UnsupportedExpectation) && FieldLines(c.Input).Any(line => NameIs(line, "expect"))),
        new("RFC 9112 6.1 and 6.3: Transfer-Encoding must be a token list ending in chunked, chunked only once, no other coding (501), never in HTTP/1.0; llhttp leaves these to the body stage",
            c => Refuses(c, ParseError.ChunkedNotFinal, ParseError.UnsupportedTransferCoding, ParseError.InvalidTransferEncoding,
                ParseError.ChunkedAppliedTwice, ParseError.TransferEncodingInHttp10) && FieldLines(c.Input).Any(line => NameIs(line, "transfer-encoding"))),
        new("Micro enforces Kestrel's size limits (8 KiB request line, 32 KiB of headers, 100 header lines); llhttp has none",
            c => Refuses(c, ParseError.RequestLineTooLong, ParseError.HeaderSectionTooLarge, ParseError.TooManyHeaders)),

        // llhttp refuses what Micro accepts.
        new("RFC 9110 9.1: a method is any token; llhttp knows a fixed table. Micro parses the method and leaves unknown ones to the application (501)",
            c => c.MicroStatus != ParseStatus.Error && c.LLHttpError == "HPE_INVALID_METHOD" && !LLHttpKnowsMethod(c.Input)),
        new("RFC 9110 8.6: repeated Content-Length lines with the same value MAY be accepted as one",
            c => c.MicroStatus == ParseStatus.Complete && c.LLHttpError == "HPE_UNEXPECTED_CONTENT_LENGTH"
                && FieldLines(c.Input).Where(line => NameIs(line, "content-length")).Select(line => Encoding.Latin1.GetString(ValueOf(line))).Distinct().Count() == 1),
    ];

    public static string? Explain(Comparison comparison) =>
        Known.FirstOrDefault(difference => difference.Applies(comparison))?.Reason;

    /// <summary>Micro refused with one of <paramref name="errors"/> where llhttp accepted the head or was still waiting for it.</summary>
    private static bool Refuses(Comparison c, params ParseError[] errors) =>
        c.MicroStatus == ParseStatus.Error && c.LLHttpStatus != ParseStatus.Error && errors.Contains(c.MicroError);

    private static bool HasBareLineFeed(byte[] input)
    {
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '\n' && (i == 0 || input[i - 1] != '\r'))
            {
                return true;
            }
        }
        return false;
    }

    private static bool HasBareCarriageReturn(byte[] input)
    {
        for (var i = 0; i < input.Length; i++)
        {
            if (input[i] == '\r' && i + 1 < input.Length && input[i + 1] != '\n')
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The lines after the request line, up to the first empty one, split on LF with a trailing CR removed.</summary>
    private static IEnumerable<byte[]> FieldLines(byte[] input)
    {
        var lines = SplitLines(input).SkipWhile(line => line.Length == 0).Skip(1);
        foreach (var line in lines)
        {
            if (line.Length == 0)
            {
                yield break;
            }

            yield return line;
        }
    }

    private static IEnumerable<byte[]> SplitLines(byte[] input)
    {
        var start = 0;
        for (var i = 0; i <= input.Length; i++)
        {
            if (i == input.Length || input[i] == '\n')
            {
                var end = i > start && input[i - 1] == '\r' ? i - 1 : i;
                yield return input[start..end];
                start = i + 1;
            }
        }
    }

    private static byte[] RequestLine(byte[] input) => SplitLines(input).SkipWhile(line => line.Length == 0).FirstOrDefault() ?? [];

    private static bool NameHasWhitespace(byte[] line)
    {
        var colon = Array.IndexOf(line, (byte)':');
        var name = colon < 0 ? line : line[..colon];
        return name.Length > 0 && name.Skip(1).Any(b => b is (byte)' ' or (byte)'\t');
    }

    private static bool HasTokenName(byte[] line)
    {
        var colon = Array.IndexOf(line, (byte)':');
        return colon > 0 && line[..colon].All(b => "!#$%&'*+-.^_`|~".Contains((char)b) || char.IsAsciiLetterOrDigit((char)b));
    }

    private static bool NameIs(byte[] line, string name)
    {
        var colon = Array.IndexOf(line, (byte)':');
        return colon == name.Length && Ascii.EqualsIgnoreCase(line.AsSpan(0, colon), name);
    }

    private static byte[] ValueOf(byte[] line) => line[(Array.IndexOf(line, (byte)':') + 1)..].AsSpan().Trim(" \t"u8).ToArray();

    /// <summary>uri-host [ ":" port ] (RFC 3986 section 3.2.2), read with a regular expression and System.Net's IPv6 parser.</summary>
    private static bool IsHostValue(byte[] value) => HostAndPort().Match(Encoding.Latin1.GetString(value)) is { Success: true } match
        && (!match.Groups["ipv6"].Success || IPAddress.TryParse(match.Groups["ipv6"].Value, out var address)
            && address.AddressFamily == AddressFamily.InterNetworkV6 && !match.Groups["ipv6"].Value.Contains('%'));

    /// <summary>A non-empty host with an optional port, or with a port that must be there (a CONNECT target).</summary>
    private static bool IsAuthority(string text, bool portRequired) =>
        IsHostValue(Encoding.Latin1.GetBytes(text)) && HostAndPort().Match(text) is var match && match.Groups["host"].Length > 0
        && (!portRequired || match.Groups["port"].Length > 1);

    [GeneratedRegex(@"^(?<host>\[(?:v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+|(?<ipv6>[0-9A-Fa-f:.]+))\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?<port>:[0-9]*)?$")]
    private static partial Regex HostAndPort();

    private static bool RequestLineIsIrregular(byte[] input)
    {
        var parts = Encoding.Latin1.GetString(RequestLine(input)).Split(' ');
        if (parts.Length != 3 || parts.Any(part => part.Length == 0))
        {
            return true;
        }

        var (method, target) = (parts[0], parts[1]);
        if (target.Any(c => c is < '!' or > '~') || target.Contains('#') || target.Split('?')[0].Contains("%00", StringComparison.Ordinal))
        {
            return true;
        }

        if (method == "CONNECT")
        {
            return !IsAuthority(target, portRequired: true);
        }

        if (target == "*")
        {
            return method != "OPTIONS";
        }

        if (target[0] == '/')
        {
            return false;
        }

        var scheme = target.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? 7
            : target.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? 8
            : -1;
        if (scheme < 0)
        {
            return true;
        }
        var authority = target[scheme..];
        var end = authority.IndexOfAny(['/', '?']);
        return !IsAuthority(end < 0 ? authority : authority[..end], portRequired: false);
    }

    private static bool RequestLineEndsInHttp1x(byte[] input)
    {
        var text = Encoding.Latin1.GetString(RequestLine(input));
        return text.EndsWith(" HTTP/1.1", StringComparison.Ordinal) || text.EndsWith(" HTTP/1.0", StringComparison.Ordinal);
    }

    private static readonly HashSet<string> LLHttpMethods =
    [
        "DELETE", "GET", "HEAD", "POST", "PUT", "CONNECT", "OPTIONS", "TRACE", "COPY", "LOCK", "MKCOL", "MOVE", "PROPFIND",
        "PROPPATCH", "SEARCH", "UNLOCK", "BIND", "REBIND", "UNBIND", "ACL", "REPORT", "MKACTIVITY", "CHECKOUT", "MERGE",
        "M-SEARCH", "NOTIFY", "SUBSCRIBE", "UNSUBSCRIBE", "PATCH", "PURGE", "MKCALENDAR", "LINK", "UNLINK", "SOURCE", "QUERY",
    ];

    private static bool LLHttpKnowsMethod(byte[] input)
    {
        var line = Encoding.Latin1.GetString(RequestLine(input));
        var space = line.IndexOf(' ');
        return LLHttpMethods.Contains(space < 0 ? line : line[..space]);
    }
}
