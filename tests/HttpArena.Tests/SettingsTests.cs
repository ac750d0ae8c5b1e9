using HttpArena.Data;
using Npgsql;

namespace HttpArena.Tests;

/// <summary>What the entry reads from the arena's environment: DATA_DIR, DATABASE_URL, DATABASE_MAX_CONN.</summary>
public sealed class SettingsTests
{
    [Fact]
    public void Without_variables_the_data_is_under_slash_data_with_no_database_and_256_connections()
    {
        var settings = ArenaSettings.From(_ => null);
        Assert.Equal(("/data", null, 256), (settings.DataDirectory, settings.DatabaseUrl, settings.DatabaseMaxConnections));
        Assert.Equal("/data/static", settings.StaticDirectory);
        Assert.Equal("/data/dataset.json", settings.DatasetPath);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("lots")]
    public void A_max_connections_that_is_not_a_positive_integer_is_refused_by_name(string value)
    {
        var error = Assert.Throws<ArgumentException>(() => ArenaSettings.From(name => name == "DATABASE_MAX_CONN" ? value : null));
        Assert.Equal($"DATABASE_MAX_CONN must be a positive integer, not '{value}'.", error.Message);
    }

    [Fact]
    public void A_postgres_url_becomes_a_connection_string_with_the_pool_sized_from_max_connections()
    {
        var connection = new NpgsqlConnectionStringBuilder(ArenaDatabase.ConnectionString("postgres://bench:p%40ss@db.example:6543/benchmark", 48));
        Assert.Equal(("db.example", 6543, "benchmark", "bench", "p@ss", 48), (connection.Host, connection.Port, connection.Database, connection.Username, connection.Password, connection.MaxPoolSize));
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(ArenaDatabase.ConnectionString("postgresql://u@localhost/db", 4)).Port);
    }

    [Theory]
    [InlineData("mysql://u:p@localhost/db")]
    [InlineData("Host=localhost;Database=db")]
    public void Anything_else_is_refused_by_name(string url)
    {
        var error = Assert.Throws<ArgumentException>(() => ArenaDatabase.ConnectionString(url, 4));
        Assert.Equal($"DATABASE_URL must be a postgres:// URL, not '{url}'.", error.Message);
    }
}
