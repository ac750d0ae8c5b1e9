using HttpArena.Data;
using Micro;

namespace HttpArena.Routes;

/// <summary>async-db: items priced between min and max, at most limit of them (defaults 10, 50, 50; limit clamped to 1..50).</summary>
public static class DatabaseRoutes
{
    public static void Map(MicroApp app, ArenaDatabase database) =>
        app.Get("/async-db", async (req, res) =>
        {
            var items = await database.PricedBetweenAsync(req.Query.GetInt("min", 10), req.Query.GetInt("max", 50), Math.Clamp(req.Query.GetInt("limit", 50), 1, 50));
            res.Json(items, ArenaJson.Default.ItemList);
        });
}
