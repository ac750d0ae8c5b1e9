namespace HttpArena;

/// <summary>
/// What the arena gives an entry: its data under /data (mounted read-only; DATA_DIR points elsewhere, for a run outside
/// a container), PostgreSQL in DATABASE_URL (a postgres:// URL) and the connections it may open in DATABASE_MAX_CONN.
/// </summary>
public sealed record ArenaSettings(string DataDirectory, string? DatabaseUrl, int DatabaseMaxConnections)
{
    /// <summary>The arena's cap on PostgreSQL connections when DATABASE_MAX_CONN is not set (its Postgres allows 256).</summary>
    public const int DefaultMaxConnections = 256;

    public string DatasetPath => Path.Combine(DataDirectory, "dataset.json");

    public string StaticDirectory => Path.Combine(DataDirectory, "static");

    public static ArenaSettings FromEnvironment() => From(Environment.GetEnvironmentVariable);

    public static ArenaSettings From(Func<string, string?> environment)
    {
        var maxConnections = DefaultMaxConnections;
        if (environment("DATABASE_MAX_CONN") is { Length: > 0 } text && (!int.TryParse(text, out maxConnections) || maxConnections < 1))
        {
            throw new ArgumentException($"DATABASE_MAX_CONN must be a positive integer, not '{text}'.");
        }
        var dataDirectory = environment("DATA_DIR") is { Length: > 0 } directory ? directory : "/data";
        var url = environment("DATABASE_URL");
        return new ArenaSettings(dataDirectory, string.IsNullOrWhiteSpace(url) ? null : url, maxConnections);
    }
}
