// A room chat on Micro's WebSockets: open http://127.0.0.1:8080/ in two browser tabs, pick the same room, talk.
//   dotnet run -c Release --project examples/Chat          (--port N, --urls http://host:port)
// Several instances behind a load balancer share their rooms through Redis when given one (docs/deploy.md):
//   ConnectionStrings__Redis=127.0.0.1:6379 dotnet run -c Release --project examples/Chat -- --port 8081
// Each room is a topic: a connection subscribes to its room and every message is published to it, so it reaches
// everyone in the room on every reactor, built once. The page is served by app.Static; /rooms/:room/events streams
// the room's messages as server-sent events too, for clients that only read.
using System.Text.Json.Serialization;
using Micro;
using Micro.Redis;
using Micro.Diagnostics;
using Micro.ServerSentEvents;
using Microsoft.Extensions.Configuration;
using Micro.WebSockets;

var builder = MicroApp.CreateBuilder(args);
if (builder.Configuration.GetConnectionString("Redis") is not null)
{
    builder.Services.AddMicroRedisBackplane(builder.Configuration); // rooms span every instance
}
var app = builder.Build();
app.MapHealth(); // 200 Healthy; 200 Degraded while Redis is away (each instance's rooms still work locally)
var chat = new WebSocketOptions { MaxMessageSize = 4096, KeepAliveInterval = TimeSpan.FromSeconds(20) };

// Browsers send Origin with a WebSocket handshake and apply no CORS to it: only pages of this site may connect.
app.Use((req, res, next) =>
{
    var origin = req.Header("Origin");
    if (req.Path.StartsWith("/rooms/") && origin is not null && origin != $"http://{req.Host}")
    {
        res.Status(403).Send("Cross-site WebSocket connections are not allowed.");
        return default;
    }
    return next.Invoke();
});

app.WebSocket("/rooms/:room", async (ws, req) =>
{
    var room = req.Params["room"]!;
    var name = req.Query["name"].ToString() is { Length: > 0 and <= 32 } given ? given : "someone";
    ws.Subscribe($"room:{room}");
    await Announce(room, $"{name} joined");
    await foreach (var message in ws)
    {
        if (message.IsText && message.Data.Length > 0)
        {
            await app.Publish($"room:{room}", Json(new ChatLine(name, message.Text)));
        }
    }
    await Announce(room, $"{name} left");
}, chat);

// The room's lines as server-sent events: a subscriber that only reads (curl -N http://127.0.0.1:8080/rooms/lobby/events).
app.Get("/rooms/:room/events", async (req, res) =>
{
    var events = res.EventStream();
    events.StartHeartbeats(TimeSpan.FromSeconds(15));
    events.Subscribe($"room:{req.Params["room"]}", eventType: "line");
    await events.SendEventAsync(Json(new ChatLine("server", $"listening to {req.Params["room"]}")), eventType: "line");
    await events.WaitUntilClosingAsync(); // the room's lines arrive through the topic until the client goes
});

app.Static("/", Path.Combine(AppContext.BaseDirectory, "wwwroot"));
app.Start();
Console.WriteLine($"Micro chat listening on http://{app.EndPoints[0]}/");
await app.RunAsync();

Task<int> Announce(string room, string text) => app.Publish($"room:{room}", Json(new ChatLine("server", text)));

static string Json(ChatLine line) => System.Text.Json.JsonSerializer.Serialize(line, ChatJson.Default.ChatLine);

internal sealed record ChatLine(string User, string Text);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ChatLine))]
internal sealed partial class ChatJson : JsonSerializerContext;
