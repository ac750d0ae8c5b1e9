using System.Collections.Concurrent;
using System.Net.WebSockets;

/// <summary>Kestrel's side of the WebSocket benchmarks: an echo, a topic kept as a set of sockets, and a publish that sends to each.</summary>
internal static class KestrelWebSockets
{
    public static async Task EchoAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return;
            }
            await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, CancellationToken.None);
        }
    }

    public static async Task SubscribeAsync(HttpContext context, ConcurrentDictionary<WebSocket, byte> subscribers)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        subscribers[socket] = 0;
        await socket.SendAsync("subscribed"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        try
        {
            while ((await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None)).MessageType != WebSocketMessageType.Close)
            {
            }
        }
        finally
        {
            subscribers.TryRemove(socket, out _);
        }
    }

    public static async Task PublishAsync(HttpContext context, ConcurrentDictionary<WebSocket, byte> subscribers)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var payload = body.ToArray();
        var sends = subscribers.Keys.Select(socket => socket.SendAsync(payload.AsMemory(), WebSocketMessageType.Binary, true, CancellationToken.None).AsTask());
        await Task.WhenAll(sends);
        await context.Response.WriteAsync(subscribers.Count.ToString());
    }
}
