// The same endpoints on Kestrel's fastest path: one raw middleware writing bytes, no routing, no logging.
// Usage: Kestrel.App PORT
using System.Text.Json;

var port = args.Length > 0 ? int.Parse(args[0]) : 8081;
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
var app = builder.Build();
var plaintext = "Hello, World!"u8.ToArray();
// For benchmarks/load/websockets.sh: the same WebSocket endpoints as Micro's app, on ASP.NET Core's WebSockets.
var subscribers = new System.Collections.Concurrent.ConcurrentDictionary<System.Net.WebSockets.WebSocket, byte>();
app.UseWebSockets();

app.Run(context =>
{
    var path = context.Request.Path;
    var response = context.Response;
    if (context.WebSockets.IsWebSocketRequest)
    {
        return path == "/sub" ? KestrelWebSockets.SubscribeAsync(context, subscribers) : KestrelWebSockets.EchoAsync(context);
    }
    if (path == "/publish")
    {
        return KestrelWebSockets.PublishAsync(context, subscribers);
    }
    if (path == "/memory")
    {
        // As Micro's app: the managed heap after a full collection, which also lets RSS be read without garbage in it.
        return response.WriteAsync(GC.GetTotalMemory(forceFullCollection: true).ToString());
    }
    if (path == "/plaintext")
    {
        response.StatusCode = 200;
        response.ContentType = "text/plain";
        response.ContentLength = plaintext.Length;
        return response.Body.WriteAsync(plaintext).AsTask();
    }
    if (path == "/json")
    {
        response.StatusCode = 200;
        response.ContentType = "application/json";
        using var writer = new Utf8JsonWriter(response.BodyWriter);
        writer.WriteStartObject();
        writer.WriteString("message"u8, "Hello, World!"u8);
        writer.WriteEndObject();
        writer.Flush();
        return Task.CompletedTask;
    }
    response.StatusCode = 404;
    return Task.CompletedTask;
});

Console.WriteLine($"Kestrel listening on http://127.0.0.1:{port}");
app.Run();
