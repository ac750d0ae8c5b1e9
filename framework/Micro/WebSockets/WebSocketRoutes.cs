namespace Micro.WebSockets;

/// <summary>
/// WebSocket routes: the handshake is a GET route, so route parameters, the app's and the router's middleware
/// (authentication before the upgrade), 404 and 405 work as for any route. A request that is not a valid handshake is
/// answered as ordinary HTTP (426 with the version spoken, 400, 403), and the connection goes on.
/// </summary>
public static class WebSocketRoutes
{
    /// <summary>
    /// <c>app.WebSocket("/chat/:room", async (ws, req) => { await foreach (var message in ws) { ... } })</c>: the
    /// handler runs on the connection's reactor once the handshake is done; when it returns the connection is closed
    /// with 1000, when it throws with 1011.
    /// </summary>
    public static Router WebSocket(this Router router, string pattern, Func<WebSocketConnection, Request, Task> handler, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var settings = WebSocketOptions.Checked(options);
        return router.Get(pattern, (req, res) => Upgrade(req, res, settings, handler, null));
    }

    /// <summary>The callback style, for handlers that never await: <see cref="WebSocketHandlers.OnOpen"/>, <see cref="WebSocketHandlers.OnMessage"/>, <see cref="WebSocketHandlers.OnClose"/>.</summary>
    public static Router WebSocket(this Router router, string pattern, WebSocketHandlers handlers, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(handlers);
        var settings = WebSocketOptions.Checked(options);
        return router.Get(pattern, (req, res) => Upgrade(req, res, settings, null, handlers));
    }

    /// <summary>
    /// As <see cref="WebSocket(Router, string, Func{WebSocketConnection, Request, Task}, WebSocketOptions?)"/>, behind
    /// route middleware that runs before the handshake (authentication, a rate limit, a check of the origin): one that
    /// answers instead of calling next refuses the upgrade with that answer, as plain HTTP.
    /// </summary>
    public static Router WebSocket(this Router router, string pattern, Middleware middleware, Func<WebSocketConnection, Request, Task> handler, WebSocketOptions? options = null) =>
        router.WebSocket(pattern, [middleware], handler, options);

    /// <summary>As the overload with one middleware, with several, run in order.</summary>
    public static Router WebSocket(this Router router, string pattern, Middleware[] middleware, Func<WebSocketConnection, Request, Task> handler, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        ArgumentNullException.ThrowIfNull(handler);
        var settings = WebSocketOptions.Checked(options);
        return router.Map("GET", pattern, middleware, (req, res) => Upgrade(req, res, settings, handler, null));
    }

    /// <summary>The callback style behind route middleware that runs before the handshake.</summary>
    public static Router WebSocket(this Router router, string pattern, Middleware middleware, WebSocketHandlers handlers, WebSocketOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        ArgumentNullException.ThrowIfNull(handlers);
        var settings = WebSocketOptions.Checked(options);
        return router.Map("GET", pattern, [middleware], (req, res) => Upgrade(req, res, settings, null, handlers));
    }

    private static void Upgrade(Request req, Response res, WebSocketOptions options, Func<WebSocketConnection, Request, Task>? handler, WebSocketHandlers? callbacks)
    {
        var outcome = WebSocketHandshake.Evaluate(req, options);
        if (outcome.Status != 101)
        {
            if (outcome.Status == 426)
            {
                res.Header("Upgrade", "websocket").Header("Sec-WebSocket-Version", "13");
            }
            res.Status(outcome.Status).Send(outcome.Reason);
            return;
        }
        Span<byte> head = stackalloc byte[WebSocketHandshake.MaxResponseHeadLength(outcome)];
        head = head[..WebSocketHandshake.WriteResponseHead(req.Exchange, outcome, head)];
        var hub = req.App?.Topics; // found here, where the app is known: the connection reaches nothing above it
        req.Exchange.SwitchProtocols(head, handover =>
        {
            var connection = new WebSocketConnection(handover, req, hub, options, outcome.SubProtocol, callbacks, outcome.Deflate);
            connection.Start(handler);
            return connection;
        });
        res.End(); // nothing more is written: the connection now speaks WebSocket
    }
}
