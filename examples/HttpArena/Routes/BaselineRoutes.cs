using Micro;

namespace HttpArena.Routes;

/// <summary>baseline, limited-conn and pipelined: sums of query parameters (and of a body), and a fixed "ok".</summary>
public static class BaselineRoutes
{
    public static void Map(MicroApp app)
    {
        app.Get("/pipeline", (req, res) => res.Send("ok"));
        app.Get("/baseline11", (req, res) => res.Send(QuerySum(req).ToString()));
        app.Post("/baseline11", (req, res) => res.Send((QuerySum(req) + BodyNumber(req)).ToString()));
    }

    // Missing parameters count as 0; one that is not an integer answers 400 (the framework's typed getter).
    private static long QuerySum(Request req) => (long)req.Query.GetInt("a") + req.Query.GetInt("b");

    /// <summary>The body is one integer, sent with Content-Length or chunked (the framework has de-chunked it).</summary>
    private static long BodyNumber(Request req) =>
        long.TryParse(req.Body.Span.Trim(" \r\n\t"u8), out var number)
            ? number
            : throw new HttpError(400, "The body must be an integer.");
}
