namespace Micro;

/// <summary>
/// The routes of one pattern, from <see cref="Router.Route"/>: <c>app.Route("/notes/:id").Get(read).Put(update)</c>.
/// Its verbs are the router's, without the pattern (generated with them).
/// </summary>
public sealed partial class RouteBuilder
{
    private readonly Router _router;

    internal RouteBuilder(Router router, string pattern)
    {
        Routing.RoutePattern.Parse(pattern); // refuse a bad pattern where it is written
        _router = router;
        Pattern = pattern;
    }

    /// <summary>The pattern every route declared here answers.</summary>
    public string Pattern { get; }

    /// <summary>Routes <paramref name="method"/> on this pattern (any method token, such as "PROPFIND").</summary>
    public RouteBuilder Map(string method, RequestHandler handler) => Map(method, Pattern, [], handler);

    /// <summary>Routes <paramref name="method"/> on this pattern to an async handler.</summary>
    public RouteBuilder Map(string method, AsyncRequestHandler handler) => Map(method, Pattern, [], handler);

    private RouteBuilder Map(string method, string pattern, Middleware[] middleware, RequestHandler handler)
    {
        _router.Map(method, pattern, middleware, handler);
        return this;
    }

    private RouteBuilder Map(string method, string pattern, Middleware[] middleware, AsyncRequestHandler handler)
    {
        _router.Map(method, pattern, middleware, handler);
        return this;
    }
}
