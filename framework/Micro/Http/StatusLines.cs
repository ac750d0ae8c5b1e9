using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Micro.Http;

/// <summary>"HTTP/1.1 200 OK\r\n" and the like, built once per status code.</summary>
internal static class StatusLines
{
    private static readonly byte[]?[] Lines = new byte[600][];

    public static ReadOnlySpan<byte> For(int statusCode)
    {
        if ((uint)statusCode >= Lines.Length)
        {
            return Build(statusCode);
        }
        return Lines[statusCode] ??= Build(statusCode);
    }

    private static byte[] Build(int statusCode)
    {
        var reason = ReasonPhrases.GetReasonPhrase(statusCode);
        return Encoding.ASCII.GetBytes($"HTTP/1.1 {statusCode} {(reason.Length > 0 ? reason : "Unknown")}\r\n");
    }
}
