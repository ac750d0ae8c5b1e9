using System.Text.Json;
using Npgsql;

namespace HttpArena.Tests;

/// <summary>
/// The arena's items table, in the database scripts/httparena-postgres.sh made for the tests (HTTPARENA_TEST_DATABASE,
/// which ./scripts/test.sh sets), filled with rows generated here and kept in memory to compare with.
/// </summary>
public static class ArenaDatabaseSeed
{
    public const string DefaultUrl = "postgres://bench:bench@127.0.0.1:5432/httparena_tests";

    public static string Url => Environment.GetEnvironmentVariable("HTTPARENA_TEST_DATABASE") is { Length: > 0 } url ? url : DefaultUrl;

    public static async Task<List<Item>> CreateAsync(string url, int rows, int seed = 7692)
    {
        var random = new Random(seed);
        string[] categories = ["electronics", "tools", "books", "office", "garden"];
        string[] tags = ["fast", "new", "sale", "wireless", "heavy-duty", "popular", "eco"];
        var items = Enumerable.Range(1, rows).Select(id => new Item(
            id, $"Row {id}", categories[random.Next(categories.Length)], random.Next(1, 500), random.Next(1, 1000), random.Next(2) == 0,
            [.. tags.OrderBy(_ => random.Next()).Take(random.Next(1, 4))], new Rating(random.Next(1, 50), random.Next(1, 500)))).ToList();
        await using var source = NpgsqlDataSource.Create(Data.ArenaDatabase.ConnectionString(url, 4));
        await using var connection = await source.OpenConnectionAsync();
        await using (var create = connection.CreateCommand())
        {
            create.CommandText = """
                DROP TABLE IF EXISTS items;
                CREATE TABLE items (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL, price INTEGER NOT NULL,
                    quantity INTEGER NOT NULL, active BOOLEAN NOT NULL, tags JSONB NOT NULL,
                    rating_score INTEGER NOT NULL, rating_count INTEGER NOT NULL);
                """;
            await create.ExecuteNonQueryAsync();
        }
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY items (id, name, category, price, quantity, active, tags, rating_score, rating_count) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var item in items)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(item.Id);
                await copy.WriteAsync(item.Name);
                await copy.WriteAsync(item.Category);
                await copy.WriteAsync(item.Price);
                await copy.WriteAsync(item.Quantity);
                await copy.WriteAsync(item.Active);
                await copy.WriteAsync(JsonSerializer.Serialize(item.Tags, ArenaJson.Default.StringArray), NpgsqlTypes.NpgsqlDbType.Jsonb);
                await copy.WriteAsync(item.Rating.Score);
                await copy.WriteAsync(item.Rating.Count);
            }
            await copy.CompleteAsync();
        }
        return items;
    }
}
