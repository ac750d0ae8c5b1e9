namespace Micro.Metadata;

/// <summary>A response the route declares: its status, the type of its body (null: none described), its media type.</summary>
public sealed class ProducedResponse : IDescriptionOnly
{
    internal ProducedResponse(int statusCode, Type? bodyType, string? contentType, string? description)
    {
        if (statusCode is < 100 or > 599)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), statusCode, "A status code is between 100 and 599.");
        }
        (StatusCode, BodyType, ContentType, Description) = (statusCode, bodyType, contentType, description);
    }

    /// <summary>The status code.</summary>
    public int StatusCode { get; }

    /// <summary>The body's type, serialized as JSON; null when the response has no described body.</summary>
    public Type? BodyType { get; }

    /// <summary>The body's media type ("application/json").</summary>
    public string? ContentType { get; }

    /// <summary>What the response means, when the status alone does not say.</summary>
    public string? Description { get; }

    internal ValueTask Invoke(Request req, Response res, Next next) => next.Invoke();
}
