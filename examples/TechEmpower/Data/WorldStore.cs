using System.Data.Common;

namespace TechEmpower.Data;

/// <summary>
/// The benchmark's queries over ADO.NET, the same SQL for PostgreSQL (Npgsql) and SQLite: one query per row read,
/// as the benchmark requires, and one UPDATE ... FROM (VALUES ...) statement per /updates request. Where the driver
/// batches (Npgsql's DbBatch), the queries of one request go to the database together, in one round trip, as the
/// benchmark allows; SQLite, which has no batches and no round trips, runs them one after the other.
/// Its awaits use ConfigureAwait(false): nothing here touches a connection of the server, so there is no reason to
/// hop back to the reactor after every database round trip. The handler's own await still resumes on its reactor.
/// </summary>
public sealed class WorldStore(Func<DbConnection> createConnection, string description, Func<ValueTask>? dispose = null) : IAsyncDisposable
{
    private const string SelectWorld = "SELECT id, randomnumber FROM world WHERE id = @id";

    /// <summary>Which database this is, for the startup line.</summary>
    public string Description { get; } = description;

    /// <summary>One random World row.</summary>
    public async Task<World> ReadRandomWorldAsync()
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = SelectWorldCommand(connection, out var id);
        id.Value = TechEmpowerData.RandomId();
        return await ReadWorldAsync(command).ConfigureAwait(false);
    }

    /// <summary><paramref name="count"/> random World rows, each read by its own query.</summary>
    public async Task<World[]> ReadRandomWorldsAsync(int count)
    {
        var ids = new int[count];
        for (var i = 0; i < count; i++)
        {
            ids[i] = TechEmpowerData.RandomId();
        }
        await using var connection = await OpenAsync().ConfigureAwait(false);
        return await ReadWorldsAsync(connection, ids).ConfigureAwait(false);
    }

    /// <summary>The rows <paramref name="ids"/> name, in that order, one SELECT each: batched in one round trip where the driver can.</summary>
    private static async Task<World[]> ReadWorldsAsync(DbConnection connection, int[] ids)
    {
        var worlds = new World[ids.Length];
        if (!connection.CanCreateBatch)
        {
            await using var command = SelectWorldCommand(connection, out var id);
            for (var i = 0; i < ids.Length; i++)
            {
                id.Value = ids[i];
                worlds[i] = await ReadWorldAsync(command).ConfigureAwait(false);
            }
            return worlds;
        }
        await using var batch = connection.CreateBatch();
        foreach (var id in ids)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = SelectWorld;
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@id";
            parameter.DbType = System.Data.DbType.Int32;
            parameter.Value = id;
            command.Parameters.Add(parameter);
            batch.BatchCommands.Add(command);
        }
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        for (var i = 0; i < ids.Length; i++)
        {
            if ((i > 0 && !await reader.NextResultAsync().ConfigureAwait(false)) || !await reader.ReadAsync().ConfigureAwait(false))
            {
                throw new InvalidOperationException($"World row {ids[i]} is missing: is the database seeded?");
            }
            worlds[i] = new World(reader.GetInt32(0), reader.GetInt32(1));
        }
        return worlds;
    }

    /// <summary>
    /// Reads <paramref name="count"/> distinct random rows one query each, gives each a new random number, and writes
    /// them back in one statement. Rows are updated in id order so that concurrent requests cannot deadlock.
    /// </summary>
    public async Task<World[]> UpdateRandomWorldsAsync(int count)
    {
        var ids = new HashSet<int>(count);
        while (ids.Count < count)
        {
            ids.Add(TechEmpowerData.RandomId());
        }
        await using var connection = await OpenAsync().ConfigureAwait(false);
        var worlds = await ReadWorldsAsync(connection, [.. ids]).ConfigureAwait(false);
        for (var i = 0; i < worlds.Length; i++)
        {
            int randomNumber;
            do
            {
                randomNumber = TechEmpowerData.RandomNumber();
            }
            while (randomNumber == worlds[i].RandomNumber); // a changed row, so the update is visible
            worlds[i] = worlds[i] with { RandomNumber = randomNumber };
        }
        var ordered = worlds.OrderBy(w => w.Id).ToArray();
        await using var update = connection.CreateCommand();
        var values = new System.Text.StringBuilder();
        for (var i = 0; i < ordered.Length; i++)
        {
            values.Append(i == 0 ? "" : ", ").Append($"(@i{i}, @r{i})");
            AddParameter(update, $"@i{i}", ordered[i].Id);
            AddParameter(update, $"@r{i}", ordered[i].RandomNumber);
        }
        // VALUES columns are column1, column2 in both PostgreSQL and SQLite.
        update.CommandText = $"UPDATE world SET randomnumber = v.column2 FROM (VALUES {values}) AS v WHERE world.id = v.column1";
        await update.ExecuteNonQueryAsync().ConfigureAwait(false);
        return worlds;
    }

    /// <summary>Every fortune in the table.</summary>
    public async Task<List<Fortune>> ReadFortunesAsync()
    {
        var fortunes = new List<Fortune>(16);
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, message FROM fortune";
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            fortunes.Add(new Fortune(reader.GetInt32(0), reader.GetString(1)));
        }
        return fortunes;
    }

    /// <summary>Every World row, indexed by id (index 0 unused): what /cached-queries serves from.</summary>
    public async Task<World[]> ReadAllWorldsAsync()
    {
        var worlds = new World[TechEmpowerData.WorldRows + 1];
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, randomnumber FROM world";
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            var id = reader.GetInt32(0);
            if (id >= 1 && id <= TechEmpowerData.WorldRows)
            {
                worlds[id] = new World(id, reader.GetInt32(1));
            }
        }
        return worlds;
    }

    /// <summary>Reads one row by id, for tests and checks.</summary>
    public async Task<World> ReadWorldAsync(int id)
    {
        await using var connection = await OpenAsync().ConfigureAwait(false);
        await using var command = SelectWorldCommand(connection, out var parameter);
        parameter.Value = id;
        return await ReadWorldAsync(command).ConfigureAwait(false);
    }

    /// <summary>Closes the connection pool.</summary>
    public ValueTask DisposeAsync() => dispose?.Invoke() ?? default;

    private async Task<DbConnection> OpenAsync()
    {
        var connection = createConnection();
        await connection.OpenAsync().ConfigureAwait(false);
        return connection;
    }

    private static DbCommand SelectWorldCommand(DbConnection connection, out DbParameter id)
    {
        var command = connection.CreateCommand();
        command.CommandText = SelectWorld;
        id = AddParameter(command, "@id", 0);
        return command;
    }

    private static DbParameter AddParameter(DbCommand command, string name, int value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = System.Data.DbType.Int32;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task<World> ReadWorldAsync(DbCommand command)
    {
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow).ConfigureAwait(false);
        if (!await reader.ReadAsync().ConfigureAwait(false))
        {
            throw new InvalidOperationException($"World row {command.Parameters[0].Value} is missing: is the database seeded?");
        }
        return new World(reader.GetInt32(0), reader.GetInt32(1));
    }
}
