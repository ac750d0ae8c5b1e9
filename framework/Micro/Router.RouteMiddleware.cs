namespace Micro;

/// <summary>
/// Routes with middleware of their own, run after the app's and the router's and only for that route, as Express's
/// <c>app.get(path, auth, handler)</c>: <c>app.Get("/admin", auth, handler)</c> or <c>app.Post("/items", [auth, audit], handler)</c>.
/// </summary>
public partial class Router
{
    /// <summary>Routes GET (and HEAD) on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Get(string pattern, Middleware middleware, RequestHandler handler) => Add("GET", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes GET (and HEAD) on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Get(string pattern, Middleware[] middleware, RequestHandler handler) => Add("GET", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes GET (and HEAD) on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Get(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("GET", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes GET (and HEAD) on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Get(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("GET", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes POST on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Post(string pattern, Middleware middleware, RequestHandler handler) => Add("POST", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes POST on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Post(string pattern, Middleware[] middleware, RequestHandler handler) => Add("POST", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes POST on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Post(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("POST", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes POST on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Post(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("POST", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes PUT on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Put(string pattern, Middleware middleware, RequestHandler handler) => Add("PUT", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes PUT on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Put(string pattern, Middleware[] middleware, RequestHandler handler) => Add("PUT", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes PUT on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Put(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("PUT", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes PUT on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Put(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("PUT", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes PATCH on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Patch(string pattern, Middleware middleware, RequestHandler handler) => Add("PATCH", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes PATCH on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Patch(string pattern, Middleware[] middleware, RequestHandler handler) => Add("PATCH", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes PATCH on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Patch(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("PATCH", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes PATCH on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Patch(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("PATCH", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes DELETE on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Delete(string pattern, Middleware middleware, RequestHandler handler) => Add("DELETE", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes DELETE on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Delete(string pattern, Middleware[] middleware, RequestHandler handler) => Add("DELETE", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes DELETE on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Delete(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("DELETE", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes DELETE on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Delete(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("DELETE", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes OPTIONS on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Options(string pattern, Middleware middleware, RequestHandler handler) => Add("OPTIONS", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes OPTIONS on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Options(string pattern, Middleware[] middleware, RequestHandler handler) => Add("OPTIONS", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes OPTIONS on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router Options(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("OPTIONS", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes OPTIONS on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Options(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("OPTIONS", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes every method on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router All(string pattern, Middleware middleware, RequestHandler handler) => Add("*", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes every method on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router All(string pattern, Middleware[] middleware, RequestHandler handler) => Add("*", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes every method on <paramref name="pattern"/> through <paramref name="middleware"/> first.</summary>
    public Router All(string pattern, Middleware middleware, AsyncRequestHandler handler) => Add("*", pattern, [middleware], Pipeline.From(handler));
    /// <summary>Routes every method on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router All(string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add("*", pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes <paramref name="method"/> on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Map(string method, string pattern, Middleware[] middleware, RequestHandler handler) => Add(method, pattern, [.. middleware], Pipeline.From(handler));
    /// <summary>Routes <paramref name="method"/> on <paramref name="pattern"/> through <paramref name="middleware"/> first, in order.</summary>
    public Router Map(string method, string pattern, Middleware[] middleware, AsyncRequestHandler handler) => Add(method, pattern, [.. middleware], Pipeline.From(handler));
}
