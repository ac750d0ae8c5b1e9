// An ASP.NET Core app on Micro, as a user writes one, and the app the chaos soak aims at to test the host
// (AspNetCoreSoakTests; scripts/soak.sh with SOAK_APP=aspnetcore): tests/TargetApp's routes written for ASP.NET Core.
// GET /stream/{n} writes n lines "chunk i\n", each flushed; GET /slow/{ms} waits that long (or until the client goes);
// POST /echo and /stream-echo answer with the body; GET /id/{n} answers "n pid"; /ws echoes WebSocket messages; GET
// /reactor names the thread that answered. It prints "listening on <address>" once started, where the host says it
// listens. Run: dotnet AspNetCoreTargetApp.dll [--urls URL] [--Micro:Scheduling Inline]; TARGET_SERVER=kestrel runs the
// same app on Kestrel, to compare.
using System.Buffers;
using System.Net.WebSockets;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
if (Environment.GetEnvironmentVariable("TARGET_SERVER") != "kestrel")
{
    builder.WebHost.UseMicro();
}
var app = builder.Build();
app.UseWebSockets();
app.MapGet("/reactor", () => Thread.CurrentThread.Name ?? "pool");
app.MapGet("/", () => "Hello, World!");
app.MapGet("/stream/{n:int}", async (int n, HttpContext context) =>
{
    for (var i = 0; i < n; i++)
    {
        await context.Response.WriteAsync($"chunk {i}\n", context.RequestAborted); // each line written and flushed: chunked
    }
});
app.MapGet("/slow/{ms:int}", async (int ms, HttpContext context) =>
{
    await Task.Delay(ms, context.RequestAborted);
    return "slow";
});
app.MapPost("/echo", Echo.AnswerAsync);
app.MapPost("/stream-echo", Echo.AnswerAsync);
app.MapGet("/id/{n}", (string n) => $"{n} {Environment.ProcessId}");
app.Map("/ws", Echo.WebSocketAsync);
await app.StartAsync();
var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
Console.WriteLine($"listening on {string.Join(", ", addresses)}");
await app.WaitForShutdownAsync();

internal static class Echo
{
    /// <summary>Largest WebSocket message echoed; a larger one is refused with 1009, as a server must bound what it holds.</summary>
    private const int MaxMessage = 2 * 1024 * 1024;

    public static async Task AnswerAsync(HttpContext context)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, 1024, context.RequestAborted); // small reads: the body is read while it arrives
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
    }

    /// <summary>Each whole message back as one frame; a client that leaves mid-message ends the loop quietly.</summary>
    public static async Task WebSocketAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var message = new ArrayBufferWriter<byte>();
        try
        {
            while (true)
            {
                var received = await socket.ReceiveAsync(message.GetMemory(16 * 1024), context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                    return;
                }
                message.Advance(received.Count);
                if (message.WrittenCount > MaxMessage)
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too large", context.RequestAborted);
                    return;
                }
                if (received.EndOfMessage)
                {
                    await socket.SendAsync(message.WrittenMemory, received.MessageType, endOfMessage: true, context.RequestAborted);
                    message.ResetWrittenCount();
                }
            }
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException)
        {
            // The client went away mid-message or mid-echo: nothing to answer.
        }
    }
}
