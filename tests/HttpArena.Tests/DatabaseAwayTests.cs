using System.Net;
using System.Net.Sockets;
using HttpArena.Data;
using Micro;
using Micro.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace HttpArena.Tests;

/// <summary>
/// A database that is not there (none configured, or nothing listening where DATABASE_URL says): async-db answers no
/// items, as the arena asks, the CRUD routes 503, and everything else serves on.
/// </summary>
public sealed class DatabaseAwayTests : IDisposable
{
    private readonly ArenaData _data = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Async_db_answers_no_items_crud_answers_503_and_the_rest_serves_on(bool configured)
    {
        string? url = null;
        if (configured)
        {
            using var closed = new TcpListener(IPAddress.Loopback, 0); // a port nothing listens on once this is stopped
            closed.Start();
            url = $"postgres://bench:bench@127.0.0.1:{((IPEndPoint)closed.LocalEndpoint).Port}/benchmark";
        }
        var settings = new ArenaSettings(_data.Directory, url, 4);
        await using var database = new ArenaDatabase(url, 4, NullLogger.Instance);
        var app = ArenaApp.Map(new MicroApp(new MicroServerOptions { ReactorCount = 1 }), settings, Dataset.Load(settings.DatasetPath), database);
        app.Listen(0);
        try
        {
            using var client = new HttpClient { BaseAddress = new Uri($"http://{app.EndPoints[0]}") };
            for (var i = 0; i < 2; i++) // and again: nothing was broken by the first failure
            {
                using var asyncDb = await client.GetAsync("/async-db?min=10&max=50&limit=5");
                Assert.Equal(HttpStatusCode.OK, asyncDb.StatusCode);
                Assert.Equal("""{"items":[],"count":0}""", await asyncDb.Content.ReadAsStringAsync());
                using var crud = await client.GetAsync("/crud/items/1");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, crud.StatusCode);
                Assert.StartsWith("The database is not available", await crud.Content.ReadAsStringAsync());
                Assert.Equal("ok", await client.GetStringAsync("/pipeline"));
            }
        }
        finally
        {
            await app.StopAsync();
        }
    }

    public void Dispose() => _data.Dispose();
}
