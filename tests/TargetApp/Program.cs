// The app hostile clients are aimed at (issue 9): GET /stream/:n streams n lines "chunk i\n" with one WriteAsync each,
// GET /slow/:ms waits that long (or until the client goes), POST /echo answers with the body (POST /stream-echo
// too, reading it as it arrives), GET /reactor names the
// reactor thread that answered, GET /id/:n answers "n pid" (which process served it),
// GET /ws echoes WebSocket messages, GET /deadlock blocks its reactor for good (.Result on the reactor's own continuation). TARGET_SHUTDOWN_TIMEOUT and
// TARGET_STALL_TIMEOUT set ShutdownTimeout and ReactorStallTimeout. Run: dotnet TargetApp.dll --port 0.
using System.Text;
using Micro;
using Micro.Compression;
using Micro.Cors;
using Micro.WebSockets;
using Microsoft.Extensions.Logging;

using var logging = LoggerFactory.Create(builder => builder.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
var app = new MicroApp(args, logging);
// Compression and CORS in front of every route: acting for the clients that ask (gzip, another origin), stepping
// aside for the rest, under the same chaos (the soak's clients decode what comes compressed).
app.UseCompression(o => o.MinimumSize = 0).UseCors(p => p.WithOrigins("https://soak.example"));

app.Get("/", (req, res) => res.Send("Hello, World!"));
app.Get("/reactor", (req, res) => res.Send(Thread.CurrentThread.Name ?? "unnamed"));
app.Get("/stream/:n", async (req, res) =>
{
    var n = req.Params.GetInt("n");
    for (var i = 0; i < n; i++)
    {
        await res.WriteAsync(Encoding.ASCII.GetBytes($"chunk {i}\n"), req.Aborted);
    }
});
app.Get("/slow/:ms", async (req, res) =>
{
    await Task.Delay(req.Params.GetInt("ms"), req.Aborted);
    res.Send("slow");
});
app.Post("/echo", (req, res) => res.Send(req.Body.Span));
// The same, its body streamed while it arrives (the handler runs at its head and reads the pipe), whatever the framing.
app.ServerOptions.StreamRequestBody = (head, headBytes) => head.Path.Of(headBytes).SequenceEqual("/stream-echo"u8);
app.Post("/stream-echo", async (req, res) =>
{
    var body = new MemoryStream();
    await req.BodyStream.CopyToAsync(body, 1024, req.Aborted); // small reads: the pipe is read while it fills
    res.Send(body.ToArray());
});
app.Get("/id/:n", (req, res) => res.Send($"{req.Params["n"]} {Environment.ProcessId}"));
// A WebSocket echo, for the soak's clients that declare large frames (issue 20).
app.WebSocket("/ws", async (ws, req) =>
{
    await foreach (var message in ws)
    {
        await ws.SendAsync(message.Data, message.Type);
    }
});
// A careless handler (issue 20): sync over async on the reactor. The continuation needs the reactor the handler holds.
app.Get("/deadlock", (req, res) => res.Send(SyncOverAsync.Answer()));
if (Environment.GetEnvironmentVariable("TARGET_SHUTDOWN_TIMEOUT") is { } shutdown)
{
    app.ServerOptions.ShutdownTimeout = TimeSpan.Parse(shutdown, System.Globalization.CultureInfo.InvariantCulture);
}
if (Environment.GetEnvironmentVariable("TARGET_STALL_TIMEOUT") is { } stall)
{
    app.ServerOptions.ReactorStallTimeout = TimeSpan.Parse(stall, System.Globalization.CultureInfo.InvariantCulture);
}

app.Start();
Console.WriteLine($"Micro listening on http://{app.EndPoints[0]} (max {app.MaxConnections} connections)");
await app.RunAsync();

internal static class SyncOverAsync
{
    public static string Answer() => AnswerAsync().Result;

    private static async Task<string> AnswerAsync()
    {
        await Task.Yield(); // resumes on the reactor's context: the reactor blocked in .Result above
        return "never";
    }
}
