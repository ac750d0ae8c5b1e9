using System.Text;
using Micro.Parser;

namespace Micro.Http;

/// <summary>Response header lines set by the application, serialized as they are set into a pooled block.</summary>
internal static class ExchangeHeaders
{
    /// <summary>Headers whose values the server decides: framing and the connection's fate.</summary>
    public static bool IsServerManaged(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)
        || Ascii.EqualsIgnoreCase(name, "Date"u8) || Ascii.EqualsIgnoreCase(name, "Server"u8);

    /// <summary>A header value may not hold CR, LF or other control characters (RFC 9110 section 5.5): that would split the response.</summary>
    public static void Validate(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!HttpGrammar.IsToken(name))
        {
            throw new ArgumentException($"'{Encoding.ASCII.GetString(name)}' is not a valid header name.", nameof(name));
        }
        foreach (var b in value)
        {
            if ((b < 0x20 && b != '\t') || b == 0x7F)
            {
                throw new ArgumentException($"The value of header '{Encoding.ASCII.GetString(name)}' holds a control character.", nameof(value));
            }
        }
    }
}
