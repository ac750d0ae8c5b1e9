// Micro's HttpArena entry (github.com/MDA2AV/HttpArena), type "production": the public API with default settings.
// Every HTTP/1.1 profile the arena runs (meta.json) on port 8080, as the arena starts it: the dataset and the static
// files under /data (DATA_DIR moves them), PostgreSQL from DATABASE_URL, pool size from DATABASE_MAX_CONN.
using HttpArena;
using HttpArena.Data;
using Micro;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var builder = MicroApp.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning); // as the arena's other entries: no line per request
var app = builder.Build();
var settings = ArenaSettings.FromEnvironment();
var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("HttpArena");
await using var database = new ArenaDatabase(settings.DatabaseUrl, settings.DatabaseMaxConnections, logger);
var dataset = Dataset.Load(settings.DatasetPath);
ArenaApp.Map(app, settings, dataset, database);
app.Start();
Console.WriteLine($"Micro HttpArena entry listening on {string.Join(", ", app.EndPoints)} ({dataset.Count} dataset items, data in {settings.DataDirectory})");
await app.RunAsync();
