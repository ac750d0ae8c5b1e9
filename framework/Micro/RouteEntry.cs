namespace Micro;

/// <summary>
/// A route as declared: its method and pattern, its own middleware, the handler the server runs, and the delegate the
/// app gave (kept for what describes the route: an OpenAPI document reads its parameters from it).
/// </summary>
internal sealed record RouteEntry(string Method, string Pattern, Middleware[] Chain, Func<Request, Response, ValueTask> Handler, Delegate Declared);
