using Micro.Routing;

namespace Micro;

/// <summary>
/// Routes and middleware defined together, mountable under a prefix with <see cref="Use(string, Router)"/>.
/// A router's middleware runs only for its own routes, after the app's.
/// </summary>
public partial class Router
{
    internal readonly List<RouteEntry> Routes = [];
    internal readonly List<Middleware> Middleware = [];
    internal readonly List<(string Prefix, Router Router)> Mounted = [];

    /// <summary>Set when the app that serves these routes has started: routes and middleware added later would never run.</summary>
    private bool _frozen;

    // Get, Post, Put, Patch, Delete, Head, Options and All, each with a handler or an async handler and no, one or
    // several middleware of the route's own, are generated (Micro.Generators' RouteVerbsGenerator): each calls Map.

    /// <summary>Routes <paramref name="method"/> (such as <c>HttpMethods.Put</c>, or an extension method like "PROPFIND").</summary>
    public Router Map(string method, string pattern, RequestHandler handler) => Map(method, pattern, [], handler);

    /// <summary>Routes <paramref name="method"/> to an async handler.</summary>
    public Router Map(string method, string pattern, AsyncRequestHandler handler) => Map(method, pattern, [], handler);

    /// <summary>
    /// The core every route goes through: <paramref name="method"/> ("*" for every method) on <paramref name="pattern"/>,
    /// through <paramref name="middleware"/> of the route's own (after the app's and the router's), to <paramref name="handler"/>.
    /// </summary>
    public Router Map(string method, string pattern, Middleware[] middleware, RequestHandler handler) =>
        Add(method, pattern, [.. middleware ?? throw new ArgumentNullException(nameof(middleware))], Pipeline.From(handler ?? throw new ArgumentNullException(nameof(handler))), handler);

    /// <summary>As <see cref="Map(string, string, Middleware[], RequestHandler)"/>, to an async handler.</summary>
    public Router Map(string method, string pattern, Middleware[] middleware, AsyncRequestHandler handler) =>
        Add(method, pattern, [.. middleware ?? throw new ArgumentNullException(nameof(middleware))], Pipeline.From(handler ?? throw new ArgumentNullException(nameof(handler))), handler);

    /// <summary>
    /// The routes of one pattern, declared together: <c>app.Route("/notes/:id").Get(read).Put(update).Delete(remove)</c>.
    /// </summary>
    public RouteBuilder Route(string pattern) => new(this, pattern);

    /// <summary>
    /// Serves the files under <paramref name="directory"/> at <paramref name="prefix"/> (GET and HEAD), with
    /// <see cref="Response.SendFile(string)"/>; a directory serves its index.html. Dotfiles (<c>.env</c>, <c>.git/</c>) are not
    /// served, nothing outside the directory is (<c>..</c> in any encoding, absolute paths, symbolic links leading out:
    /// 404), and NUL or a backslash in the path is a 400.
    /// </summary>
    public Router Static(string prefix, string directory)
    {
        var root = new Files.StaticRoot(directory);
        return Get(prefix.TrimEnd('/') + "/*path", (req, res) => Files.FileResponses.Send(res, root.Resolve(req.Params["path"] ?? "", req.RawPath.EndsWith((byte)'/')), root));
    }

    /// <summary>Adds middleware that runs, in the order added, before the handlers of this router's routes.</summary>
    public Router Use(Middleware middleware)
    {
        ThrowIfFrozen("middleware");
        Middleware.Add(middleware);
        return this;
    }

    /// <summary>Mounts <paramref name="router"/>'s routes under <paramref name="prefix"/>.</summary>
    public Router Use(string prefix, Router router)
    {
        if (string.IsNullOrEmpty(prefix) || prefix[0] != '/')
        {
            throw new ArgumentException($"Mount prefix '{prefix}' must start with '/'.", nameof(prefix));
        }
        ThrowIfFrozen($"a router at {prefix}");
        Mounted.Add((prefix.TrimEnd('/'), router));
        return this;
    }

    private Router Add(string method, string pattern, Middleware[] chain, Func<Request, Response, ValueTask> handler, Delegate declared)
    {
        ThrowIfFrozen($"route {method} {pattern}");
        if (Array.IndexOf(chain, null) >= 0)
        {
            throw new ArgumentNullException(nameof(chain), $"A middleware of route {method} {pattern} is null.");
        }
        if (method != "*" && !Parser.HttpGrammar.IsToken(method))
        {
            throw new ArgumentException($"'{method}' is not a valid method token.", nameof(method));
        }
        Routing.RoutePattern.Parse(pattern); // refuse a bad pattern where it is written, not at startup
        Routes.Add(new RouteEntry(method, pattern, chain, handler, declared));
        return this;
    }

    /// <summary>The app has started serving these routes (and those of the routers mounted here): nothing more may be added.</summary>
    internal void Freeze()
    {
        _frozen = true;
        foreach (var (_, router) in Mounted)
        {
            router.Freeze();
        }
    }

    private void ThrowIfFrozen(string what)
    {
        if (_frozen)
        {
            throw new InvalidOperationException(
                $"Cannot add {what}: the app has already started, and what is added now would never be served. Add routes and middleware before app.Start(), app.Listen() or app.RunAsync() (or before making a MicroTestHost), as ASP.NET Core requires them before app.Run().");
        }
    }

    /// <summary>Every route of this router and of those mounted in it, with prefixes joined and middleware chained.</summary>
    internal IEnumerable<RouteEntry> Flatten(string prefix, Middleware[] outer)
    {
        var chain = outer.Concat(Middleware).ToArray();
        foreach (var route in Routes)
        {
            yield return route with { Pattern = prefix + (route.Pattern == "/" && prefix.Length > 0 ? "" : route.Pattern), Chain = [.. chain, .. route.Chain] };
        }
        foreach (var (mountPrefix, router) in Mounted)
        {
            foreach (var route in router.Flatten(prefix + mountPrefix, chain))
            {
                yield return route;
            }
        }
    }
}
