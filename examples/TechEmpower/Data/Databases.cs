using Microsoft.Data.Sqlite;
using Npgsql;

namespace TechEmpower.Data;

/// <summary>Opens the database the app serves from: PostgreSQL when given a connection string, else an embedded SQLite file.</summary>
public static class Databases
{
    /// <summary>PostgreSQL through Npgsql's pooled data source (the database a TechEmpower run uses; see scripts/postgres.sh).</summary>
    public static WorldStore Postgres(string connectionString)
    {
        var dataSource = NpgsqlDataSource.Create(connectionString);
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return new WorldStore(dataSource.CreateConnection, $"PostgreSQL {builder.Database} on {builder.Host}:{builder.Port}", dataSource.DisposeAsync);
    }

    /// <summary>SQLite at <paramref name="path"/>: created and seeded on first use (World: 10,000 rows; Fortune: the 12 standard rows).</summary>
    public static async Task<WorldStore> SqliteAsync(string path)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30, // concurrent /updates wait for the single writer instead of failing with SQLITE_BUSY
        }.ToString();
        await using (var connection = new SqliteConnection(connectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await SeedAsync(connection).ConfigureAwait(false);
        }
        return new WorldStore(() => new SqliteConnection(connectionString), $"SQLite {Path.GetFullPath(path)}", () =>
        {
            SqliteConnection.ClearAllPools();
            return default;
        });
    }

    private static async Task SeedAsync(SqliteConnection connection)
    {
        await ExecuteAsync(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS world (id INTEGER PRIMARY KEY, randomnumber INTEGER NOT NULL DEFAULT 0);
            CREATE TABLE IF NOT EXISTS fortune (id INTEGER PRIMARY KEY, message TEXT NOT NULL);
            """).ConfigureAwait(false);
        await using var transaction = connection.BeginTransaction();
        await using (var count = connection.CreateCommand())
        {
            count.Transaction = transaction;
            count.CommandText = "SELECT count(*) FROM world";
            if ((long)(await count.ExecuteScalarAsync().ConfigureAwait(false))! < TechEmpowerData.WorldRows)
            {
                await using var insert = connection.CreateCommand();
                insert.Transaction = transaction;
                insert.CommandText = "INSERT OR IGNORE INTO world (id, randomnumber) VALUES (@id, @number)";
                var id = insert.Parameters.Add("@id", SqliteType.Integer);
                var number = insert.Parameters.Add("@number", SqliteType.Integer);
                for (var i = 1; i <= TechEmpowerData.WorldRows; i++)
                {
                    id.Value = i;
                    number.Value = TechEmpowerData.RandomNumber();
                    await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
        }
        await using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT OR IGNORE INTO fortune (id, message) VALUES (@id, @message)";
            var id = insert.Parameters.Add("@id", SqliteType.Integer);
            var message = insert.Parameters.Add("@message", SqliteType.Text);
            foreach (var fortune in TechEmpowerData.Fortunes)
            {
                id.Value = fortune.Id;
                message.Value = fortune.Message;
                await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
