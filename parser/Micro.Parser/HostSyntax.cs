using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Micro.Parser;

/// <summary>
/// <c>uri-host [ ":" port ]</c> (RFC 3986 section 3.2.2 and 3.2.3) as a Host value, an absolute-form target's authority
/// and a CONNECT target must be: a reg-name (unreserved, sub-delims and %XX), a bracketed IPv6 address or IPvFuture,
/// then a colon and digits. A character check alone let "a:xx" or "[zz]" through to the app as its host, where RFC 9112
/// section 3.2 asks for a 400.
/// </summary>
internal static class HostSyntax
{
    /// <summary>1 for a reg-name byte (unreserved and sub-delims), 2 for '%', which two hex digits must follow.</summary>
    private static readonly byte[] RegNameTable = HttpScanner.BuildTable(static b =>
        b == '%' ? (byte)2 : char.IsAsciiLetterOrDigit((char)b) || "-._~!$&'()*+,;=".Contains((char)b) ? (byte)1 : (byte)0);

    /// <summary>True when <paramref name="bytes"/> is <c>uri-host [ ":" port ]</c>; an empty value is one (an empty Host is allowed).</summary>
    public static bool IsHostAndPort(ReadOnlySpan<byte> bytes) => HostLength(bytes) is var length and >= 0 && IsPort(bytes[length..]);

    /// <summary>
    /// True when <paramref name="bytes"/> is a non-empty uri-host and, when <paramref name="portRequired"/> (a
    /// CONNECT target), a colon and at least one digit.
    /// </summary>
    public static bool IsAuthority(ReadOnlySpan<byte> bytes, bool portRequired)
    {
        var length = HostLength(bytes);
        if (length <= 0)
        {
            return false;
        }
        var port = bytes[length..];
        return IsPort(port) && (!portRequired || port.Length > 1);
    }

    /// <summary>The length of the uri-host at the start, or -1 when it is not one.</summary>
    private static int HostLength(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 0 && bytes[0] == '[')
        {
            var close = bytes.IndexOf((byte)']');
            return close > 1 && IsIPLiteral(bytes[1..close]) ? close + 1 : -1;
        }
        // The usual host ("localhost:8080", "api.example.com") is a run of plain reg-name bytes: one table load each
        // (a vector search costs more to set up than a host is long); a '%' takes the slower way.
        ref var table = ref MemoryMarshal.GetArrayDataReference(RegNameTable);
        var i = 0;
        while (i < bytes.Length && Unsafe.Add(ref table, bytes[i]) == 1)
        {
            i++;
        }
        while (i < bytes.Length && bytes[i] != ':')
        {
            var kind = Unsafe.Add(ref table, bytes[i]);
            if (kind == 0 || (kind == 2 && !IsPercentEncoded(bytes[i..])))
            {
                return -1;
            }
            i += kind == 2 ? 3 : 1;
        }
        return i;
    }

    /// <summary>Nothing, or ':' and digits (<c>port = *DIGIT</c>).</summary>
    private static bool IsPort(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty)
        {
            return true;
        }
        if (rest[0] != ':')
        {
            return false;
        }
        for (var i = 1; i < rest.Length; i++)
        {
            if (!char.IsAsciiDigit((char)rest[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsPercentEncoded(ReadOnlySpan<byte> bytes) =>
        bytes.Length >= 3 && char.IsAsciiHexDigit((char)bytes[1]) && char.IsAsciiHexDigit((char)bytes[2]);

    /// <summary>Between the brackets: an IPv6 address, or IPvFuture ("v" 1*HEXDIG "." 1*( unreserved / sub-delims / ":" )).</summary>
    private static bool IsIPLiteral(ReadOnlySpan<byte> inner)
    {
        if (inner[0] is not ((byte)'v' or (byte)'V'))
        {
            return IsIPv6(inner);
        }
        var dot = inner.IndexOf((byte)'.');
        if (dot < 2 || dot == inner.Length - 1 || inner[1..dot].ContainsAnyExcept(HexDigits))
        {
            return false;
        }
        foreach (var b in inner[(dot + 1)..])
        {
            if (b != ':' && RegNameTable[b] != 1)
            {
                return false;
            }
        }
        return true;
    }

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdefABCDEF"u8;

    /// <summary>
    /// Eight groups of one to four hex digits, or fewer with one "::" standing for the rest; an IPv4 address may take
    /// the last two groups' place (RFC 3986 section 3.2.2's IPv6address).
    /// </summary>
    private static bool IsIPv6(ReadOnlySpan<byte> text)
    {
        var groups = 0;
        var compressed = text.StartsWith("::"u8);
        var i = compressed ? 2 : 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && i - start < 4 && char.IsAsciiHexDigit((char)text[i]))
            {
                i++;
            }
            if (i < text.Length && text[i] == '.')
            {
                return IsIPv4(text[start..]) && (compressed ? groups + 2 < 8 : groups + 2 == 8);
            }
            if (i == start)
            {
                return false; // an empty group, a fifth hex digit or a byte that is neither
            }
            groups++;
            if (i == text.Length)
            {
                break;
            }
            if (text[i] != ':' || ++i == text.Length)
            {
                return false; // a group ends with ':', and a lone ':' does not end the address
            }
            if (text[i] == ':')
            {
                if (compressed)
                {
                    return false;
                }
                compressed = true;
                i++;
            }
        }
        return compressed ? groups < 8 : groups == 8;
    }

    /// <summary>Four dec-octets (0-255, no leading zero) separated by dots.</summary>
    private static bool IsIPv4(ReadOnlySpan<byte> text)
    {
        for (var octet = 0; octet < 4; octet++)
        {
            var digits = 0;
            var value = 0;
            while (digits < text.Length && char.IsAsciiDigit((char)text[digits]))
            {
                value = (value * 10) + (text[digits] - '0');
                digits++;
            }
            if (digits is 0 or > 3 || value > 255 || (digits > 1 && text[0] == '0'))
            {
                return false;
            }
            text = text[digits..];
            if (octet < 3)
            {
                if (text.IsEmpty || text[0] != '.')
                {
                    return false;
                }
                text = text[1..];
            }
        }
        return text.IsEmpty;
    }
}
