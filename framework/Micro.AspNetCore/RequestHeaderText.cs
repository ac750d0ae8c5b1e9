using System.Text;
using System.Text.Unicode;
using Micro.Http;
using Micro.Parser;

namespace Micro.AspNetCore;

/// <summary>
/// Request header and trailer values as Kestrel gives them to an application: ASCII, or UTF-8 where a client sent other
/// bytes (a user's name a proxy put in a header, a filename), never Latin-1, which would turn "é" into "Ã©". A value that
/// is not valid UTF-8 makes the request malformed, as on Kestrel: a 400 before the application runs, and the connection
/// closes. Micro's own API keeps RFC 9110's octets (Latin-1, as Node gives them); this is the ASP.NET Core host's rule.
/// </summary>
internal static class RequestHeaderText
{
    /// <summary>A value the head was checked to hold (<see cref="RefuseUndecodable"/>), as a string.</summary>
    public static string Decode(ReadOnlySpan<byte> value) => Encoding.UTF8.GetString(value);

    /// <summary>
    /// On the reactor, before the application: answers a request whose header values are not all UTF-8 with a 400 and
    /// closes the connection after it; true when it did. A head of ASCII alone, nearly every one, is one vector scan.
    /// </summary>
    public static bool RefuseUndecodable(HttpExchange exchange, RejectedRequests rejected)
    {
        var bytes = exchange.RequestBytes;
        if (Ascii.IsValid(bytes) || AreDecodable(exchange.Head, bytes))
        {
            return false;
        }
        rejected.Report(exchange.RemoteEndPoint, StatusCodes.Status400BadRequest, "malformed request: a header field's value is not valid UTF-8");
        exchange.RequireClose();
        exchange.Respond(StatusCodes.Status400BadRequest, default, default);
        return true;
    }

    /// <summary>True when every field value of <paramref name="head"/> is valid UTF-8 (names are tokens, ASCII by the parser's rule).</summary>
    private static bool AreDecodable(RequestHead head, ReadOnlySpan<byte> bytes)
    {
        foreach (var field in head.Headers)
        {
            if (!Utf8.IsValid(field.Value.Of(bytes)))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A trailer section's fields into <paramref name="trailers"/>; a value that is not UTF-8 is the request's fault, a 400.</summary>
    public static void ReadTrailers(ReadOnlySpan<byte> lines, ref HeaderDictionary? trailers)
    {
        while (TrailerLines.TryTakeBytes(ref lines, out var name, out var value))
        {
            if (!Utf8.IsValid(value))
            {
                trailers?.Clear();
                throw new BadHttpRequestException("Malformed request: a trailer field's value is not valid UTF-8.", StatusCodes.Status400BadRequest);
            }
            (trailers ??= new HeaderDictionary()).Append(Encoding.ASCII.GetString(name), Decode(value)); // as sent: Kestrel keeps a trailer name's spelling
        }
    }
}
