using Micro;
using TechEmpower.Data;

namespace TechEmpower;

/// <summary>
/// The seven TechEmpower test types on Micro's public API. Plaintext and JSON are callback handlers that run inline
/// on the reactor; every database route is an async handler whose continuations come back to its connection's reactor.
/// </summary>
public static class TechEmpowerApp
{
    private const string Json = "application/json";

    /// <summary>Adds the routes to <paramref name="app"/>, serving from <paramref name="store"/> and, for /cached-queries, from <paramref name="cache"/>.</summary>
    public static MicroApp MapRoutes(MicroApp app, WorldStore store, WorldCache cache)
    {
        app.Get("/plaintext", (req, res) => res.Header("Content-Type", "text/plain").Send("Hello, World!"u8));

        app.Get("/json", (req, res) => res.Header("Content-Type", Json).Json(new JsonMessage("Hello, World!"), TechEmpowerJson.Default.JsonMessage));

        app.Get("/db", async (req, res) =>
        {
            var world = await store.ReadRandomWorldAsync();
            res.Header("Content-Type", Json).Json(world, TechEmpowerJson.Default.World);
        });

        app.Get("/queries", async (req, res) =>
        {
            var worlds = await store.ReadRandomWorldsAsync(QueryCount.Parse(req.Query.GetValueOrDefault("queries")));
            res.Header("Content-Type", Json).Json(worlds, TechEmpowerJson.Default.WorldArray);
        });

        app.Get("/fortunes", async (req, res) =>
        {
            var fortunes = await store.ReadFortunesAsync();
            fortunes.Add(TechEmpowerData.Additional);
            fortunes.Sort(static (a, b) => string.CompareOrdinal(a.Message, b.Message));
            res.Header("Content-Type", FortunesPage.ContentType);
            FortunesPage.Render(fortunes, res.BodyWriter);
            res.End();
        });

        app.Get("/updates", async (req, res) =>
        {
            var worlds = await store.UpdateRandomWorldsAsync(QueryCount.Parse(req.Query.GetValueOrDefault("queries")));
            res.Header("Content-Type", Json).Json(worlds, TechEmpowerJson.Default.WorldArray);
        });

        app.Get("/cached-queries", (req, res) =>
            res.Header("Content-Type", Json).Json(cache.Random(QueryCount.Parse(req.Query.GetValueOrDefault("count"))), TechEmpowerJson.Default.WorldArray));

        return app;
    }
}
