using System.Diagnostics.CodeAnalysis;
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

    [RequiresUnreferencedCode(BodyValidator.ReflectsOnTheBody)]
    internal async ValueTask Invoke(Request req, Response res, Next next)
    {
        T? value;
        try
        {
            value = await req.JsonAsync(_typeInfo).ConfigureAwait(true); // 415 for a body that is not JSON, 400 for bad JSON
        }
        catch (HttpError error) when (error.StatusCode is 400 or 415)
        {
            Problems.Answer(res, error.StatusCode, error.StatusCode == 400 ? "Bad Request" : "Unsupported Media Type", error.Message);
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
}

/// <summary>A request body a route accepts: its type and media type.</summary>
public interface IAcceptedBody : IRouteMetadata
{
    /// <summary>The type the body is read as.</summary>
    Type BodyType { get; }

    /// <summary>Its media type ("application/json").</summary>
    string ContentType { get; }
}
