// Hello, World on Micro: http://127.0.0.1:8080 by default; --port N, --urls http://host:port, or ASPNETCORE_URLS.
// Shows the common setup: configuration and console logging (CreateBuilder), a service, a middleware, compression,
// request logging and a health endpoint.
using Micro;
using Micro.Compression;
using Micro.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var builder = MicroApp.CreateBuilder(args);   // appsettings.json, environment, command line ("--Greeting Hi")
builder.Services.AddSingleton<Greeter>();     // a service, shared; AddScoped for one per request
var app = builder.Build();

app.UseRequestLogging(LogLevel.Debug);        // one line per request (at Debug: set Logging:LogLevel:Default to see it)
app.UseCompression();                         // gzip or Brotli for clients that accept it, 1 KiB and up
app.MapHealth("/healthz");                    // 200 while serving, 503 once a graceful stop begins

// Middleware: code before and after the rest of the pipeline.
app.Use(async (req, res, next) =>
{
    res.Header("X-Started", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString());
    await next;
});

app.Get("/", (req, res) => res.Send("Hello, World!"));
app.Get("/json", (req, res) => res.Json(new { message = "Hello, World!" }));
app.Get("/hello/:name", (req, res) => res.Send(req.Services.GetRequiredService<Greeter>().Greet(req.Params["name"]!)));
app.Post("/echo", (req, res) => res.Send(req.Body.Span));

// An async handler: its continuation comes back to the connection's reactor thread.
app.Get("/slow", async (req, res) =>
{
    await Task.Delay(100);
    res.Send("slow");
});

app.Start();
Console.WriteLine($"Micro listening on http://{app.EndPoints[0]} (Ctrl+C to stop)");
await app.RunAsync();

/// <summary>A service: the greeting comes from configuration ("Greeting"), "Hello" by default.</summary>
internal sealed class Greeter(IConfiguration configuration)
{
    public string Greet(string name) => $"{configuration["Greeting"] ?? "Hello"}, {name}!";
}
