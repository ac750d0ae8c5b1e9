namespace TechEmpower.Data;

/// <summary>The World table held in memory for /cached-queries, loaded from the database at startup.</summary>
public sealed class WorldCache
{
    private readonly World[] _worlds;

    private WorldCache(World[] worlds) => _worlds = worlds;

    /// <summary>Reads every row of World from <paramref name="store"/>.</summary>
    public static async Task<WorldCache> LoadAsync(WorldStore store)
    {
        var worlds = await store.ReadAllWorldsAsync().ConfigureAwait(false);
        var missing = Array.FindIndex(worlds, 1, w => w.Id == 0);
        if (missing > 0)
        {
            throw new InvalidOperationException($"World row {missing} is missing: the database is not seeded (scripts/postgres.sh seeds PostgreSQL).");
        }
        return new WorldCache(worlds);
    }

    /// <summary><paramref name="count"/> random rows from the cache.</summary>
    public World[] Random(int count)
    {
        var result = new World[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = _worlds[TechEmpowerData.RandomId()];
        }
        return result;
    }
}
