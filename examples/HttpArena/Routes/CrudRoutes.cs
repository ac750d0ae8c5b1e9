using HttpArena.Data;
using Micro;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace HttpArena.Routes;

/// <summary>
/// crud: a REST API over the items table under /crud/items. Single reads are cache-aside with a 200 ms absolute
/// expiry in process (one process serves every core: its heap is shared), marked X-Cache: HIT or MISS; PUT and POST
/// drop the item's entry. A database that cannot be reached answers 503.
/// </summary>
public static class CrudRoutes
{
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromMilliseconds(200);

    public static void Map(MicroApp app, ArenaDatabase database)
    {
        var cache = new MemoryCache(new MemoryCacheOptions());
        var items = new Router();
        items.Use(async (req, res, next) =>
        {
            try
            {
                await next;
            }
            catch (Exception error) when (error is NpgsqlException or TimeoutException or DatabaseUnavailableException)
            {
                throw new HttpError(503, $"The database is not available: {error.Message}");
            }
        });

        items.Get("/", async (req, res) =>
        {
            var category = req.Query["category"].ToString() is { Length: > 0 } named ? named : "electronics";
            var page = Math.Max(req.Query.GetInt("page", 1), 1);
            var limit = Math.Clamp(req.Query.GetInt("limit", 10), 1, 50);
            var found = await database.CategoryPageAsync(category, page, limit);
            res.Json(new ItemPage(found, found.Count, page, limit), ArenaJson.Default.ItemPage);
        });

        items.Get("/:id", async (req, res) =>
        {
            var id = req.Params.GetInt("id");
            if (cache.TryGetValue(id, out Item? cached))
            {
                res.Header("X-Cache", "HIT").Json(cached!, ArenaJson.Default.Item);
                return;
            }
            var item = await database.FindAsync(id);
            if (item is null)
            {
                res.Status(404).Send($"No item {id}.");
                return;
            }
            cache.Set(id, item, CacheLifetime);
            res.Header("X-Cache", "MISS").Json(item, ArenaJson.Default.Item);
        });

        items.Post("/", async (req, res) =>
        {
            var item = req.Json(ArenaJson.Default.NewItem) ?? throw new HttpError(400, "The body must be an item.");
            if (item.Id <= 0 || string.IsNullOrEmpty(item.Name) || string.IsNullOrEmpty(item.Category))
            {
                throw new HttpError(400, "An item needs a positive id, a name and a category.");
            }
            var stored = await database.UpsertAsync(item);
            cache.Remove(item.Id);
            res.Status(201).Json(stored, ArenaJson.Default.Item);
        });

        items.Put("/:id", async (req, res) =>
        {
            var id = req.Params.GetInt("id");
            var change = req.Json(ArenaJson.Default.ItemChange) ?? throw new HttpError(400, "The body must hold the fields to change.");
            if (string.IsNullOrEmpty(change.Name))
            {
                throw new HttpError(400, "An item needs a name.");
            }
            if (!await database.UpdateAsync(id, change))
            {
                res.Status(404).Send($"No item {id}.");
                return;
            }
            cache.Remove(id);
            res.Json(new ChangedItem(id, change.Name, change.Price, change.Quantity), ArenaJson.Default.ChangedItem);
        });

        app.Use("/crud/items", items);
    }
}
