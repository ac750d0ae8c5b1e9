namespace Micro.Diagnostics;

/// <summary>
/// A health endpoint for load balancers and orchestrators: 200 "Healthy" while the app serves, 503 "Stopping" from the
/// moment a graceful stop begins, so the balancer stops sending new requests while those in flight finish.
/// </summary>
public static class Health
{
    /// <summary>Answers GET and HEAD on <paramref name="path"/> (default /healthz); never cached.</summary>
    public static MicroApp MapHealth(this MicroApp app, string path = "/healthz")
    {
        app.Get(path, (req, res) =>
        {
            res.Header("Cache-Control", "no-store");
            if (app.IsStopping)
            {
                res.Status(503).Send("Stopping");
            }
            else
            {
                res.Send("Healthy");
            }
        });
        return app;
    }
}
