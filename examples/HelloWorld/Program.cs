// Hello, World on Micro: http://127.0.0.1:8080 by default; --port N, --urls http://host:port, or ASPNETCORE_URLS.
using System.Diagnostics;
using Micro;
using Microsoft.Extensions.Logging;

using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
var app = new MicroApp(args, logging);

// Middleware: times every request and says so in a header.
app.Use(async (req, res, next) =>
{
    var started = Stopwatch.GetTimestamp();
    res.Header("X-Started", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString());
    await next;
    logging.CreateLogger("HelloWorld").LogDebug("{Method} {Path} took {Elapsed}", req.Method, req.Path, Stopwatch.GetElapsedTime(started));
});

app.Get("/", (req, res) => res.Send("Hello, World!"));
app.Get("/json", (req, res) => res.Json(new { message = "Hello, World!" }));
app.Get("/hello/:name", (req, res) => res.Send($"Hello, {req.Params["name"]}!"));
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
