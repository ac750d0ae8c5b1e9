namespace Micro.Metadata;

/// <summary>Where a route reads a parameter from.</summary>
public enum ParameterSource
{
    /// <summary>A parameter of the route's pattern (<c>:id</c>).</summary>
    Path,

    /// <summary>The query string (<c>?page=2</c>).</summary>
    Query,

    /// <summary>A request header.</summary>
    Header,
}
