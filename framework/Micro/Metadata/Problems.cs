using System.Text.Json;

namespace Micro.Metadata;

/// <summary>Answers with an RFC 9457 problem (<c>application/problem+json</c>), in the shape ASP.NET Core writes one.</summary>
internal static class Problems
{
    public static void Answer(Response res, MicroApp? app, int status, string title, string detail) =>
        Write(res, app, status, title, detail, null);

    public static void AnswerValidation(Response res, MicroApp? app, IReadOnlyDictionary<string, List<string>> errors) =>
        Write(res, app, 400, "One or more validation errors occurred.", null, errors);

    private static void Write(Response res, MicroApp? app, int status, string title, string? detail, IReadOnlyDictionary<string, List<string>>? errors)
    {
        res.Status(status).Header("Content-Type", "application/problem+json");
        var writer = res.BodyWriter;
        using var json = new Utf8JsonWriter(writer, new JsonWriterOptions { Encoder = app?.JsonOptions.Encoder });
        json.WriteStartObject();
        json.WriteString("type", status == 415 ? "https://tools.ietf.org/html/rfc9110#section-15.5.16" : "https://tools.ietf.org/html/rfc9110#section-15.5.1");
        json.WriteString("title", title);
        json.WriteNumber("status", status);
        if (detail is not null)
        {
            json.WriteString("detail", detail);
        }
        if (errors is not null)
        {
            json.WriteStartObject("errors");
            foreach (var (field, messages) in errors)
            {
                json.WriteStartArray(field);
                foreach (var message in messages)
                {
                    json.WriteStringValue(message);
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.Flush();
        res.End();
    }
}
