namespace Micro;

/// <summary>A route's middleware chain and its handler, built once when the app starts.</summary>
internal sealed class Pipeline(Middleware[] middleware, Func<Request, Response, ValueTask> handler, string? route = null)
{
    /// <summary>The route's pattern ("/users/:id"), for metrics and traces; null when no route matched.</summary>
    public string? Route { get; } = route;

    public ValueTask Run(int index, Request request, Response response) =>
        index < middleware.Length
            ? middleware[index](request, response, new Next(this, index + 1, request, response))
            : handler(request, response);

    public static Func<Request, Response, ValueTask> From(RequestHandler handler) => (req, res) =>
    {
        handler(req, res);
        return default;
    };

    public static Func<Request, Response, ValueTask> From(AsyncRequestHandler handler) => (req, res) => new ValueTask(handler(req, res));
}
