using Micro.Routing;

namespace Micro;

/// <summary>One route as the app declared it, for documentation (an OpenAPI document) and tools.</summary>
public sealed class RouteDescription
{
    internal RouteDescription(string method, string pattern, IReadOnlyList<IRouteMetadata> metadata, Delegate handler)
    {
        Method = method;
        Pattern = pattern;
        Metadata = metadata;
        Handler = handler;
        var parameters = new List<RouteParameterDescription>();
        var expansions = RoutePattern.Parse(pattern);
        var longest = expansions.MaxBy(expansion => expansion.Segments.Length)!;
        foreach (var segment in longest.Segments)
        {
            if (segment.Kind == RouteSegmentKind.Static)
            {
                continue;
            }
            var optional = expansions.Length > 1 && expansions.Any(expansion => !expansion.ParameterNames.Contains(segment.Name));
            parameters.Add(new RouteParameterDescription(ParameterName(segment), optional, segment.Kind == RouteSegmentKind.Wildcard));
        }
        PathTemplates = [.. expansions.OrderByDescending(expansion => expansion.Segments.Length).Select(Template)];
        PathTemplate = PathTemplates[0];
        PathParameters = parameters;
    }

    private static string Template(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.Segments.Select(segment => segment.Kind == RouteSegmentKind.Static ? segment.Name : "{" + ParameterName(segment) + "}"));

    /// <summary>A parameter's name; an unnamed wildcard is named "path" for the document.</summary>
    private static string ParameterName(RouteSegment segment) => segment.Name == "*" ? "path" : segment.Name;

    /// <summary>The method ("GET"), or "*" for a route that answers every method.</summary>
    public string Method { get; }

    /// <summary>The pattern as declared, with the prefix of the router it is mounted under ("/api/notes/:id").</summary>
    public string Pattern { get; }

    /// <summary>The pattern as an OpenAPI path template ("/api/notes/{id}"); an optional parameter's segment included.</summary>
    public string PathTemplate { get; }

    /// <summary>The path templates the route answers: one, or two when the pattern has an optional parameter (with and without its segment).</summary>
    public IReadOnlyList<string> PathTemplates { get; }

    /// <summary>The parameters of the pattern, in order.</summary>
    public IReadOnlyList<RouteParameterDescription> PathParameters { get; }

    /// <summary>What the route, its routers and the app declared (their middleware that are <see cref="IRouteMetadata"/>), app's first.</summary>
    public IReadOnlyList<IRouteMetadata> Metadata { get; }

    /// <summary>The handler the app gave.</summary>
    public Delegate Handler { get; }
}

/// <summary>A parameter of a route pattern: <c>:id</c>, <c>:id?</c> (optional) or <c>*path</c> (wildcard: the rest of the path).</summary>
public sealed record RouteParameterDescription(string Name, bool IsOptional, bool IsWildcard);
