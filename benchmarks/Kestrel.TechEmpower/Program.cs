// The TechEmpower endpoints on Kestrel (minimal APIs), for benchmarks/load/techempower.sh.
// Usage: Kestrel.TechEmpower --port N [--postgres CONNECTION | --sqlite PATH]
using System.Text.Json;
using TechEmpower;
using TechEmpower.Data;

var settings = DatabaseSettings.From(args, Environment.GetEnvironmentVariable("POSTGRES_CONNECTION"));
var port = settings.ServerArguments is ["--port", var value, ..] ? int.Parse(value) : 8081;
await using var store = settings.PostgresConnection is { } connection ? Databases.Postgres(connection) : await Databases.SqliteAsync(settings.SqlitePath);
var cache = await WorldCache.LoadAsync(store);

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
var plaintext = "Hello, World!"u8.ToArray();

app.MapGet("/plaintext", (HttpContext context) =>
{
    var response = context.Response;
    response.ContentType = "text/plain";
    response.ContentLength = plaintext.Length;
    return response.Body.WriteAsync(plaintext).AsTask();
});
app.MapGet("/json", (HttpContext context) => WriteJson(context, new JsonMessage("Hello, World!"), TechEmpowerJson.Default.JsonMessage));
app.MapGet("/db", async (HttpContext context) => await WriteJson(context, await store.ReadRandomWorldAsync(), TechEmpowerJson.Default.World));
app.MapGet("/queries", async (HttpContext context) =>
    await WriteJson(context, await store.ReadRandomWorldsAsync(QueryCount.Parse(context.Request.Query["queries"])), TechEmpowerJson.Default.WorldArray));
app.MapGet("/updates", async (HttpContext context) =>
    await WriteJson(context, await store.UpdateRandomWorldsAsync(QueryCount.Parse(context.Request.Query["queries"])), TechEmpowerJson.Default.WorldArray));
app.MapGet("/cached-queries", (HttpContext context) =>
    WriteJson(context, cache.Random(QueryCount.Parse(context.Request.Query["count"])), TechEmpowerJson.Default.WorldArray));
app.MapGet("/fortunes", async (HttpContext context) =>
{
    var fortunes = await store.ReadFortunesAsync();
    fortunes.Add(TechEmpowerData.Additional);
    fortunes.Sort(static (a, b) => string.CompareOrdinal(a.Message, b.Message));
    var page = new System.Buffers.ArrayBufferWriter<byte>(2048);
    FortunesPage.Render(fortunes, page);
    context.Response.ContentType = FortunesPage.ContentType;
    context.Response.ContentLength = page.WrittenCount;
    await context.Response.Body.WriteAsync(page.WrittenMemory);
});

Console.WriteLine($"Kestrel TechEmpower listening on http://127.0.0.1:{port} ({store.Description})");
await app.RunAsync();

static Task WriteJson<T>(HttpContext context, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
{
    // Serialized first, so the response carries a Content-Length as Micro's does, not chunked framing.
    var body = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo);
    var response = context.Response;
    response.ContentType = "application/json";
    response.ContentLength = body.Length;
    return response.Body.WriteAsync(body).AsTask();
}
