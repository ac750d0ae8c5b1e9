namespace Micro.Routing;

/// <summary>What a route lookup found.</summary>
public enum RouteMatchStatus : byte
{
    /// <summary>No route has this path: 404.</summary>
    NotFound,

    /// <summary>A route has this path but not for this method: 405, with <see cref="RouteMatch{T}.Allow"/>.</summary>
    MethodNotAllowed,

    /// <summary>A handler was found.</summary>
    Found,
}
