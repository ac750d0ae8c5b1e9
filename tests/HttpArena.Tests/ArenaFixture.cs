using HttpArena.Data;
using Micro;
using Micro.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpArena.Tests;

[CollectionDefinition(nameof(ArenaFixture))]
public sealed class ArenaCollection : ICollectionFixture<ArenaFixture>;

/// <summary>
/// The entry on 127.0.0.1 port 0, as Program.cs maps it, over data generated for the run and the real PostgreSQL
/// (3,000 generated rows in the database ./scripts/test.sh made with scripts/httparena-postgres.sh).
/// </summary>
public sealed class ArenaFixture : IAsyncLifetime
{
    public const int Rows = 3000;

    private MicroApp? _app;
    private ArenaDatabase? _database;

    public ArenaData Data { get; } = new();

    /// <summary>The rows as generated, in id order: what the database holds.</summary>
    public List<Item> Items { get; private set; } = [];

    public Uri Url { get; private set; } = null!;

    /// <summary>A client that decompresses nothing, so the tests see the encodings as sent.</summary>
    public HttpClient Client { get; } = new(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None });

    public async Task InitializeAsync()
    {
        try
        {
            Items = await ArenaDatabaseSeed.CreateAsync(ArenaDatabaseSeed.Url, Rows);
        }
        catch (Exception error) when (error is Npgsql.NpgsqlException or System.Net.Sockets.SocketException)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is not reachable at '{ArenaDatabaseSeed.Url}': run ./scripts/httparena-postgres.sh httparena_tests (./scripts/test.sh does). {error.Message}", error);
        }
        var settings = new ArenaSettings(Data.Directory, ArenaDatabaseSeed.Url, 16);
        _database = new ArenaDatabase(settings.DatabaseUrl, settings.DatabaseMaxConnections, NullLogger.Instance);
        _app = ArenaApp.Map(new MicroApp(new MicroServerOptions { ReactorCount = 2 }), settings, Dataset.Load(settings.DatasetPath), _database);
        _app.Listen(0);
        Url = new Uri($"http://{_app.EndPoints[0]}");
        Client.BaseAddress = Url;
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
        }
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
        Data.Dispose();
    }
}
