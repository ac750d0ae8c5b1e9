namespace Micro;

/// <summary>
/// What a route declares about itself, given as one of its middleware (<c>Accepts&lt;T&gt;()</c>, <c>Produces&lt;T&gt;()</c>,
/// <c>Summary(...)</c>): read by <see cref="MicroApp.DescribeRoutes"/>, and so by an OpenAPI document made from the
/// route table. The middleware's target is the metadata.
/// </summary>
public interface IRouteMetadata;

/// <summary>Metadata that only describes: the server leaves it out of the route's pipeline, so it costs a request nothing.</summary>
internal interface IDescriptionOnly : IRouteMetadata;

/// <summary>A route's own request body limit, in place of MicroServerOptions.MaxRequestBodySize (RouteMetadata.MaxBodySize).</summary>
internal interface IBodySizeLimit : IRouteMetadata
{
    /// <summary>The largest body the route takes, in bytes.</summary>
    long MaxBytes { get; }
}
