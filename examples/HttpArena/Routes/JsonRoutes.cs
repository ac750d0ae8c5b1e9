using Micro;

namespace HttpArena.Routes;

/// <summary>json and json-comp: the first count dataset items priced with multiplier m, serialized per request (compressed by UseCompression when asked).</summary>
public static class JsonRoutes
{
    /// <summary>GET /json/:count?m=N; a count past the dataset's 50 items gives all 50, m defaults to 1, and either not an integer answers 400.</summary>
    public static void Map(MicroApp app, Dataset dataset) =>
        app.Get("/json/:count", (req, res) => res.Json(dataset.Price(req.Params.GetInt("count"), req.Query.GetInt("m", 1)), ArenaJson.Default.PricedItems));
}
