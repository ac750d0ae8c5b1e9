using TechEmpower.Data;

namespace TechEmpower.Tests;

public sealed class SqliteSeedingTests
{
    [Fact]
    public async Task A_new_file_is_created_and_seeded_once_and_a_second_start_keeps_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"micro-seed-{Guid.NewGuid():N}.db");
        try
        {
            World[] first;
            await using (var store = await Databases.SqliteAsync(path))
            {
                first = await store.ReadAllWorldsAsync();
                Assert.Equal(10_000, first.Count(w => w.Id != 0));
                Assert.All(first.Skip(1), w => Assert.InRange(w.RandomNumber, 1, 10_000));
                Assert.Equal(TechEmpowerData.Fortunes, await store.ReadFortunesAsync());
            }
            await using (var again = await Databases.SqliteAsync(path))
            {
                Assert.Equal(first, await again.ReadAllWorldsAsync()); // not re-seeded: the same random numbers
                Assert.Equal(12, (await again.ReadFortunesAsync()).Count);
            }
        }
        finally
        {
            foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            {
                File.Delete(file);
            }
        }
    }

    [Fact]
    public void Settings_come_from_arguments_then_the_environment_and_the_rest_go_to_the_server()
    {
        var settings = DatabaseSettings.From(["--port", "0", "--sqlite", "/tmp/x.db"], postgresFromEnvironment: "");
        Assert.Null(settings.PostgresConnection);
        Assert.Equal("/tmp/x.db", settings.SqlitePath);
        Assert.Equal(["--port", "0"], settings.ServerArguments);

        Assert.Equal("Host=a", DatabaseSettings.From([], "Host=a").PostgresConnection);
        Assert.Equal("Host=b", DatabaseSettings.From(["--postgres", "Host=b"], "Host=a").PostgresConnection);
        Assert.Equal(DatabaseSettings.DefaultSqlitePath, DatabaseSettings.From([], null).SqlitePath);
        Assert.Equal("--postgres needs a value.", Assert.Throws<ArgumentException>(() => DatabaseSettings.From(["--postgres"], null)).Message);
    }
}
