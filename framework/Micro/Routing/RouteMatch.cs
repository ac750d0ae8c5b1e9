namespace Micro.Routing;

/// <summary>The result of <see cref="RouteTable{T}.Match"/>: the handler, and the names of the values captured.</summary>
public readonly struct RouteMatch<T>(RouteMatchStatus status, T? handler, string[] parameterNames, int captureCount, string? allow)
    where T : class
{
    /// <summary>Found, NotFound or MethodNotAllowed.</summary>
    public RouteMatchStatus Status { get; } = status;

    /// <summary>The handler, when found.</summary>
    public T? Handler { get; } = handler;

    /// <summary>The parameter names, in the order of the captured ranges.</summary>
    public string[] ParameterNames { get; } = parameterNames;

    /// <summary>How many ranges of the captures span were filled.</summary>
    public int CaptureCount { get; } = captureCount;

    /// <summary>The methods the path does allow, for the Allow header of a 405.</summary>
    public string? Allow { get; } = allow;
}
