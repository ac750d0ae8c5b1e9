using System.Text.Json;

namespace Micro;

/// <summary>Answers with an RFC 9457 problem.</summary>
public sealed partial class Response
{
    /// <summary>
    /// Answers <paramref name="statusCode"/> with an RFC 9457 <c>application/problem+json</c> body, in the shape
    /// ASP.NET Core writes one: <c>type</c> (the status's section of RFC 9110), <c>title</c> (the status's reason phrase
    /// unless given), <c>status</c>, <c>detail</c>, then <paramref name="extensions"/> (a trace id, the fields in
    /// error), serialized with the app's JSON options. Ends the response.
    /// </summary>
    public void Problem(int statusCode, string? title = null, string? detail = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        Status(statusCode).Header("Content-Type", Http.ProblemJson.ContentType);
        var options = _jsonOptions;
        Http.ProblemJson.Write(_exchange.BodyWriter, statusCode, title, detail, extensions is null ? null : json =>
        {
            foreach (var (name, value) in extensions)
            {
                json.WritePropertyName(name);
                JsonSerializer.Serialize(json, value, JsonMetadata.For(options, value?.GetType() ?? typeof(object)));
            }
        }, new JsonWriterOptions { Encoder = options.Encoder, Indented = options.WriteIndented });
        End();
    }
}
