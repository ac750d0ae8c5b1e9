using Micro;
using Micro.WebSockets;

namespace HttpArena.Routes;

/// <summary>echo-ws: every message on /ws sent back as it came, text or binary; a plain GET /ws is answered 426.</summary>
public static class EchoRoutes
{
    public static void Map(MicroApp app) =>
        app.WebSocket("/ws", async (ws, req) =>
        {
            await foreach (var message in ws)
            {
                await ws.SendAsync(message.Data, message.Type);
            }
        });
}
