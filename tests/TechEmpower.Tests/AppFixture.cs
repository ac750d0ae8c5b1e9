using Micro;
using TechEmpower.Data;

namespace TechEmpower.Tests;

/// <summary>The TechEmpower app on 127.0.0.1 port 0 over one database, shared by a test class.</summary>
public abstract class AppFixture : IAsyncLifetime
{
    private MicroApp? _app;

    public WorldStore Store { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public HttpClient Client { get; } = new();

    protected abstract Task<WorldStore> OpenStoreAsync();

    public async Task InitializeAsync()
    {
        Store = await OpenStoreAsync();
        var cache = await WorldCache.LoadAsync(Store);
        _app = TechEmpowerApp.MapRoutes(new MicroApp(), Store, cache);
        _app.ServerOptions.ReactorCount = 2;
        _app.Listen(0);
        Url = new Uri($"http://{_app.EndPoints[0]}");
        Client.BaseAddress = Url;
    }

    public virtual async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
        }
        await Store.DisposeAsync();
    }
}

/// <summary>A fresh SQLite file, created and seeded by the app's own code.</summary>
public sealed class SqliteAppFixture : AppFixture
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"micro-techempower-{Guid.NewGuid():N}.db");

    protected override Task<WorldStore> OpenStoreAsync() => Databases.SqliteAsync(Path);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var file in new[] { Path, Path + "-wal", Path + "-shm" })
        {
            File.Delete(file);
        }
    }
}

/// <summary>
/// The real PostgreSQL that scripts/postgres.sh sets up (./scripts/test.sh runs it first and passes the connection
/// string in POSTGRES_CONNECTION).
/// </summary>
public sealed class PostgresAppFixture : AppFixture
{
    public const string DefaultConnection = "Host=127.0.0.1;Port=5432;Database=hello_world;Username=benchmarkdbuser;Password=benchmarkdbpass";

    public static string Connection =>
        Environment.GetEnvironmentVariable("POSTGRES_CONNECTION") is { Length: > 0 } connection ? connection : DefaultConnection;

    protected override async Task<WorldStore> OpenStoreAsync()
    {
        var store = Databases.Postgres(Connection);
        try
        {
            await store.ReadWorldAsync(1);
        }
        catch (Exception error)
        {
            await store.DisposeAsync();
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable or not seeded at '{Connection}': run ./scripts/postgres.sh (./scripts/test.sh does). {error.Message}", error);
        }
        return store;
    }
}
