using System.Data;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HttpArena.Data;

/// <summary>
/// The arena's PostgreSQL (the items table, 100,000 rows) through Npgsql's pooled data source, sized from
/// DATABASE_MAX_CONN. Statements are prepared automatically on each connection once used twice (Npgsql's
/// Max Auto Prepare), and commands from many requests share connections (Npgsql's multiplexing, its documented
/// setting for many short concurrent queries). When the database cannot be reached, reads answer as the arena asks (no items) and the next
/// request tries again; the server itself never stops for it.
/// </summary>
public sealed class ArenaDatabase : IAsyncDisposable
{
    private const string Columns = "id, name, category, price, quantity, active, tags, rating_score, rating_count";
    private readonly NpgsqlDataSource? _source;
    private readonly ILogger _logger;

    public ArenaDatabase(string? databaseUrl, int maxConnections, ILogger logger)
    {
        _logger = logger;
        if (databaseUrl is not null)
        {
            _source = NpgsqlDataSource.Create(ConnectionString(databaseUrl, maxConnections));
        }
    }

    /// <summary>True when DATABASE_URL was given.</summary>
    public bool IsConfigured => _source is not null;

    /// <summary>
    /// A postgres:// URL (postgres://user:password@host:port/database, as the arena and most platforms give it) as
    /// Npgsql's connection string, with the pool and the prepared statements set up for a server.
    /// </summary>
    public static string ConnectionString(string databaseUrl, int maxConnections)
    {
        if (!Uri.TryCreate(databaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("postgres" or "postgresql"))
        {
            throw new ArgumentException($"DATABASE_URL must be a postgres:// URL, not '{databaseUrl}'.");
        }
        var credentials = url.UserInfo.Split(':', 2);
        return new NpgsqlConnectionStringBuilder
        {
            Host = url.Host,
            Port = url.IsDefaultPort || url.Port < 0 ? 5432 : url.Port,
            Database = Uri.UnescapeDataString(url.AbsolutePath.TrimStart('/')),
            Username = Uri.UnescapeDataString(credentials[0]),
            Password = credentials.Length > 1 ? Uri.UnescapeDataString(credentials[1]) : null,
            MaxPoolSize = maxConnections,
            MaxAutoPrepare = 16,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
            Multiplexing = true,
        }.ConnectionString;
    }

    /// <summary>async-db: up to <paramref name="limit"/> items priced between <paramref name="min"/> and <paramref name="max"/>; none when the database is away.</summary>
    public async Task<ItemList> PricedBetweenAsync(int min, int max, int limit)
    {
        if (_source is null)
        {
            return ItemList.None;
        }
        try
        {
            await using var command = _source.CreateCommand($"SELECT {Columns} FROM items WHERE price BETWEEN $1 AND $2 LIMIT $3");
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = min });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = max });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
            var items = await ReadItemsAsync(command, limit).ConfigureAwait(false);
            return new ItemList(items, items.Count);
        }
        catch (Exception error) when (error is NpgsqlException or TimeoutException)
        {
            _logger.LogWarning(error, "async-db: the database did not answer; answering with no items");
            return ItemList.None;
        }
    }

    /// <summary>One page of a category, in id order.</summary>
    public async Task<List<Item>> CategoryPageAsync(string category, int page, int limit)
    {
        await using var command = Source.CreateCommand($"SELECT {Columns} FROM items WHERE category = $1 ORDER BY id LIMIT $2 OFFSET $3");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = category });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)(page - 1) * limit });
        return await ReadItemsAsync(command, limit).ConfigureAwait(false);
    }

    /// <summary>The item with this id, or null.</summary>
    public async Task<Item?> FindAsync(int id)
    {
        await using var command = Source.CreateCommand($"SELECT {Columns} FROM items WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id });
        var items = await ReadItemsAsync(command, 1).ConfigureAwait(false);
        return items.Count == 0 ? null : items[0];
    }

    /// <summary>Creates the item, or overwrites the one with its id (name, category, price, quantity); returns it as stored.</summary>
    public async Task<Item> UpsertAsync(NewItem item)
    {
        await using var command = Source.CreateCommand(
            $"""
            INSERT INTO items ({Columns}) VALUES ($1, $2, $3, $4, $5, true, '[]', 0, 0)
            ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, price = EXCLUDED.price, quantity = EXCLUDED.quantity
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = item.Id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.Name! });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = item.Category! });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = item.Price });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = item.Quantity });
        return (await ReadItemsAsync(command, 1).ConfigureAwait(false))[0];
    }

    /// <summary>Changes an item's name, price and quantity; false when there is no such item.</summary>
    public async Task<bool> UpdateAsync(int id, ItemChange change)
    {
        await using var command = Source.CreateCommand("UPDATE items SET name = $1, price = $2, quantity = $3 WHERE id = $4");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.Name! });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = change.Price });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = change.Quantity });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = id });
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false) == 1;
    }

    public ValueTask DisposeAsync() => _source?.DisposeAsync() ?? default;

    private NpgsqlDataSource Source => _source ?? throw new DatabaseUnavailableException("DATABASE_URL is not set: this entry has no database.");

    private static async Task<List<Item>> ReadItemsAsync(NpgsqlCommand command, int expected)
    {
        var items = new List<Item>(expected);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess).ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            items.Add(new Item(
                reader.GetInt32(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt32(3),
                reader.GetInt32(4),
                reader.GetBoolean(5),
                JsonSerializer.Deserialize(reader.GetString(6), ArenaJson.Default.StringArray) ?? [], // jsonb arrives as its text
                new Rating(reader.GetInt32(7), reader.GetInt32(8))));
        }
        return items;
    }
}
