using System.Text;

namespace Micro.Parser;

/// <summary>
/// The HTTP grammar the parser enforces, for code that builds messages and must follow the same rules: the one
/// token table (RFC 9110 section 5.6.2) and the methods' names.
/// </summary>
public static class HttpGrammar
{
    /// <summary>True when <paramref name="bytes"/> is a non-empty token: a method or a field name.</summary>
    public static bool IsToken(ReadOnlySpan<byte> bytes) => !bytes.IsEmpty && HttpScanner.IndexOfNonToken(bytes) < 0;

    /// <summary>True when <paramref name="text"/> is a non-empty token.</summary>
    public static bool IsToken(string text)
    {
        if (text.Length == 0)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (c > 0x7F || !HttpScanner.IsTokenByte((byte)c))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>The name of a standard method ("GET"), or null for <see cref="RequestMethod.Extension"/> and <see cref="RequestMethod.Unknown"/>.</summary>
    public static string? MethodName(RequestMethod method) => method switch
    {
        RequestMethod.Get => "GET",
        RequestMethod.Head => "HEAD",
        RequestMethod.Post => "POST",
        RequestMethod.Put => "PUT",
        RequestMethod.Delete => "DELETE",
        RequestMethod.Patch => "PATCH",
        RequestMethod.Options => "OPTIONS",
        RequestMethod.Trace => "TRACE",
        RequestMethod.Connect => "CONNECT",
        _ => null,
    };

    /// <summary>The method of <paramref name="head"/> as sent: a cached string for the standard ones, the bytes decoded for an extension.</summary>
    public static string MethodName(this RequestHead head, ReadOnlySpan<byte> buffer) =>
        MethodName(head.Method) ?? Encoding.ASCII.GetString(head.MethodRange.Of(buffer));
}
