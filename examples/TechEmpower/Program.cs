// The TechEmpower Framework Benchmarks' seven test types on Micro.
//   dotnet run -c Release --project examples/TechEmpower                       SQLite, created and seeded on first run
//   dotnet run -c Release --project examples/TechEmpower -- --postgres "Host=127.0.0.1;Database=hello_world;Username=benchmarkdbuser;Password=benchmarkdbpass"
// Also: --sqlite PATH, --port N / --urls URL / ASPNETCORE_URLS / ASPNETCORE_HTTP_PORTS; the POSTGRES_CONNECTION
// variable instead of --postgres; --health-check asks a running instance for /healthz (the Dockerfile's HEALTHCHECK).
using Micro;
using Micro.Diagnostics;
using Microsoft.Extensions.Logging;
using TechEmpower;
using TechEmpower.Data;

if (args.Contains("--health-check"))
{
    return await Health.ProbeAsync(args);
}

var settings = DatabaseSettings.From(args, Environment.GetEnvironmentVariable("POSTGRES_CONNECTION"));
await using var store = settings.PostgresConnection is { } connection
    ? Databases.Postgres(connection)
    : await Databases.SqliteAsync(settings.SqlitePath);
var cache = await WorldCache.LoadAsync(store);

using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var app = TechEmpowerApp.MapRoutes(new MicroApp(settings.ServerArguments, logging), store, cache).MapHealth();
app.Start();
Console.WriteLine($"Micro TechEmpower listening on http://{app.EndPoints[0]} ({store.Description})");
await app.RunAsync();
return 0;
