using System.Text.Json.Serialization.Metadata;

namespace Micro.Metadata;

/// <summary>
/// A route's JSON body of type <typeparamref name="T"/>, read and checked before the handler runs (see
/// <see cref="RouteMetadata.Accepts{T}"/>): the handler is reached only with a valid value, which <c>req.Json&lt;T&gt;()</c>
/// then returns without reading the body again.
/// </summary>
public sealed class AcceptedBody<T> : IAcceptedBody
{
    private readonly JsonTypeInfo<T>? _typeInfo;

    internal AcceptedBody(JsonTypeInfo<T>? typeInfo) => _typeInfo = typeInfo;

    /// <inheritdoc/>
    public Type BodyType => typeof(T);

    /// <inheritdoc/>
    public string ContentType => "application/json";

    internal async ValueTask Invoke(Request req, Response res, Next next)
    {
        var contentType = req.Header("Content-Type");
        if (contentType is null || !IsJson(contentType))
        {
            Problems.Answer(res, 415, "Unsupported Media Type", $"Expected an application/json body, not '{contentType ?? "none"}'.");
            return;
        }
        T? value;
        try
        {
            value = await req.JsonAsync(_typeInfo).ConfigureAwait(true);
        }
        catch (HttpError error) when (error.StatusCode == 400)
        {
            Problems.Answer(res, 400, "Bad Request", error.Message);
            return;
        }
        if (value is null)
        {
            Problems.Answer(res, 400, "Bad Request", "The request body is empty or null; a JSON value is required.");
            return;
        }
        var errors = BodyValidator.Validate(value, req.JsonOptions);
        if (errors.Count > 0)
        {
            Problems.AnswerValidation(res, errors);
            return;
        }
        req.KeepParsedBody(value);
        await next.Invoke().ConfigureAwait(true);
    }

    /// <summary>application/json, or a +json type (application/merge-patch+json), with any parameters.</summary>
    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.AsSpan();
        var semicolon = mediaType.IndexOf(';');
        mediaType = (semicolon < 0 ? mediaType : mediaType[..semicolon]).Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));
    }
}

/// <summary>A request body a route accepts: its type and media type.</summary>
public interface IAcceptedBody : IRouteMetadata
{
    /// <summary>The type the body is read as.</summary>
    Type BodyType { get; }

    /// <summary>Its media type ("application/json").</summary>
    string ContentType { get; }
}
