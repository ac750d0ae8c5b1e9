using System.Buffers;
using System.Text.Json;

namespace Micro.Http;

/// <summary>
/// An RFC 9457 problem (<c>application/problem+json</c>) in the shape ASP.NET Core writes one: type (the status's
/// section of RFC 9110), title, status, detail, and what the caller adds. Written by the server for its own error
/// answers when asked to, and by <c>res.Problem</c>.
/// </summary>
internal static class ProblemJson
{
    public const string ContentType = "application/problem+json";

    /// <summary>Writes the problem; <paramref name="extensions"/> writes the members after the standard ones.</summary>
    public static void Write(IBufferWriter<byte> destination, int status, string? title, string? detail, Action<Utf8JsonWriter>? extensions = null, JsonWriterOptions options = default)
    {
        using var json = new Utf8JsonWriter(destination, options);
        json.WriteStartObject();
        if (TypeOf(status) is { } type)
        {
            json.WriteString("type", type);
        }
        json.WriteString("title", title ?? Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status));
        json.WriteNumber("status", status);
        if (detail is not null)
        {
            json.WriteString("detail", detail);
        }
        extensions?.Invoke(json);
        json.WriteEndObject();
    }

    /// <summary>The RFC 9110 section a status is defined in, as ASP.NET Core's ProblemDetails default types link them.</summary>
    private static string? TypeOf(int status) => status switch
    {
        400 => "https://tools.ietf.org/html/rfc9110#section-15.5.1",
        401 => "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        403 => "https://tools.ietf.org/html/rfc9110#section-15.5.4",
        404 => "https://tools.ietf.org/html/rfc9110#section-15.5.5",
        405 => "https://tools.ietf.org/html/rfc9110#section-15.5.6",
        406 => "https://tools.ietf.org/html/rfc9110#section-15.5.7",
        408 => "https://tools.ietf.org/html/rfc9110#section-15.5.9",
        409 => "https://tools.ietf.org/html/rfc9110#section-15.5.10",
        411 => "https://tools.ietf.org/html/rfc9110#section-15.5.12",
        412 => "https://tools.ietf.org/html/rfc9110#section-15.5.13",
        413 => "https://tools.ietf.org/html/rfc9110#section-15.5.14",
        414 => "https://tools.ietf.org/html/rfc9110#section-15.5.15",
        415 => "https://tools.ietf.org/html/rfc9110#section-15.5.16",
        416 => "https://tools.ietf.org/html/rfc9110#section-15.5.17",
        422 => "https://tools.ietf.org/html/rfc9110#section-15.5.21",
        426 => "https://tools.ietf.org/html/rfc9110#section-15.5.22",
        500 => "https://tools.ietf.org/html/rfc9110#section-15.6.1",
        501 => "https://tools.ietf.org/html/rfc9110#section-15.6.2",
        503 => "https://tools.ietf.org/html/rfc9110#section-15.6.4",
        505 => "https://tools.ietf.org/html/rfc9110#section-15.6.6",
        _ => null,
    };
}
