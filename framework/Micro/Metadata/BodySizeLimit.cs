namespace Micro.Metadata;

/// <summary>A route's own request body limit (see <see cref="RouteMetadata.MaxBodySize"/>).</summary>
public sealed class BodySizeLimit : IDescriptionOnly, IBodySizeLimit
{
    internal BodySizeLimit(long maxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        MaxBytes = maxBytes;
    }

    /// <summary>The largest body the route takes, in bytes.</summary>
    public long MaxBytes { get; }

    internal ValueTask Invoke(Request req, Response res, Next next) => next.Invoke();
}
