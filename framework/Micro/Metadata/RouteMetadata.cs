using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization.Metadata;

namespace Micro.Metadata;

/// <summary>
/// What a route declares about itself, written as route middleware, as ASP.NET Core's <c>.Accepts&lt;T&gt;()</c> and
/// <c>.Produces&lt;T&gt;()</c> are written on an endpoint:
/// <code>
/// using static Micro.Metadata.RouteMetadata;
/// app.Post("/notes", [Accepts&lt;NewNote&gt;(), Produces&lt;Note&gt;(201), Summary("Creates a note")], (req, res) =>
///     res.Status(201).Json(store.Add(req.Json&lt;NewNote&gt;()!)));
/// </code>
/// <see cref="Accepts{T}"/> also checks the body (JSON, and its DataAnnotations attributes) before the handler runs;
/// the others only describe, and cost a request nothing.
/// </summary>
public static class RouteMetadata
{
    /// <summary>
    /// The route takes a JSON body of type <typeparamref name="T"/>: one that is not JSON, is missing, or breaks its
    /// DataAnnotations attributes (<c>[Required]</c>, <c>[StringLength]</c>, <c>[Range]</c>, ... and
    /// <c>IValidatableObject</c>, nested objects and lists included) is answered 400 with an
    /// <c>application/problem+json</c> body naming each field as the JSON does (<c>errors.title</c>); another
    /// Content-Type is answered 415. The handler's <c>req.Json&lt;T&gt;()</c> then returns the value already read.
    /// </summary>
    [RequiresUnreferencedCode(BodyValidator.ReflectsOnTheBody)]
    public static Middleware Accepts<T>(JsonTypeInfo<T>? typeInfo = null) => new AcceptedBody<T>(typeInfo).Invoke;

    /// <summary>
    /// The largest request body the route (or every route of the router it is given to with <c>router.Use</c>) takes,
    /// in place of MicroServerOptions.MaxRequestBodySize: larger, or declared larger, is answered 413 naming the limit,
    /// before the body is read. An upload route can take more than the rest, a JSON API less.
    /// </summary>
    public static Middleware MaxBodySize(long bytes) => new BodySizeLimit(bytes).Invoke;

    /// <summary>The route answers <paramref name="statusCode"/> with a JSON body of type <typeparamref name="T"/>.</summary>
    public static Middleware Produces<T>(int statusCode = 200, string? description = null, string contentType = "application/json") =>
        new ProducedResponse(statusCode, typeof(T), contentType, description).Invoke;

    /// <summary>The route may answer <paramref name="statusCode"/>, with no body or one the document does not describe.</summary>
    public static Middleware Produces(int statusCode, string? description = null) => new ProducedResponse(statusCode, null, null, description).Invoke;

    /// <summary>The route may answer <paramref name="statusCode"/> with an <c>application/problem+json</c> body (RFC 9457).</summary>
    public static Middleware ProducesProblem(int statusCode, string? description = null) =>
        new ProducedResponse(statusCode, typeof(ProblemDetailsShape), "application/problem+json", description).Invoke;

    /// <summary>A one-line summary of what the route does, and optionally a longer description.</summary>
    public static Middleware Summary(string summary, string? description = null) => new OperationText(summary, description, [], null).Invoke;

    /// <summary>Groups the route under <paramref name="tags"/> in the document.</summary>
    public static Middleware Tags(params string[] tags) => new OperationText(null, null, tags, null).Invoke;

    /// <summary>Names the route's operation (its operationId, unique in the document: a client generator's method name).</summary>
    public static Middleware Name(string operationId) => new OperationText(null, null, [], operationId).Invoke;

    /// <summary>The pattern's parameter <paramref name="name"/> is a <typeparamref name="T"/> (when the handler does not read it with GetInt, Get&lt;T&gt;... for the document to see).</summary>
    public static Middleware Param<T>(string name, string? description = null) => new DeclaredParameter(name, typeof(T), ParameterSource.Path, false, description).Invoke;

    /// <summary>The route reads the query parameter <paramref name="name"/> as a <typeparamref name="T"/>.</summary>
    public static Middleware Query<T>(string name, bool required = false, string? description = null) =>
        new DeclaredParameter(name, typeof(T), ParameterSource.Query, required, description).Invoke;

    /// <summary>The route reads the request header <paramref name="name"/> as a <typeparamref name="T"/>.</summary>
    public static Middleware Header<T>(string name, bool required = false, string? description = null) =>
        new DeclaredParameter(name, typeof(T), ParameterSource.Header, required, description).Invoke;
}
