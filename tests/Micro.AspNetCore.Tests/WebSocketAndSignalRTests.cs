using System.Net.WebSockets;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

namespace Micro.AspNetCore.Tests;

/// <summary>UseWebSockets over the upgrade feature, and SignalR with its .NET client on every transport, on every server.</summary>
public sealed class WebSocketAndSignalRTests
{
    public static IEnumerable<object[]> ServersAndTransports =>
        from server in Enum.GetValues<ServerKind>()
        from transport in new[] { HttpTransportType.WebSockets, HttpTransportType.ServerSentEvents, HttpTransportType.LongPolling }
        select new object[] { server, transport };

    private static void MapEcho(WebApplication app)
    {
        app.UseWebSockets();
        app.Map("/ws", async (HttpContext context) =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                var path = context.Request.Path.Value; // the request outlives its exchange: still readable
                var reply = received.MessageType == WebSocketMessageType.Text && Encoding.UTF8.GetString(buffer, 0, received.Count) == "path"
                    ? Encoding.UTF8.GetBytes(path + " " + context.Request.Headers["X-Client"])
                    : buffer[..received.Count];
                await socket.SendAsync(reply, received.MessageType, received.EndOfMessage, context.RequestAborted);
            }
        });
    }

    [Theory]
    [OnEveryServer]
    public async Task A_websocket_echoes_text_and_large_binary_and_closes_cleanly(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapEcho);
        using var client = new ClientWebSocket();
        client.Options.SetRequestHeader("X-Client", "tests");
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None);
        await client.SendAsync(Encoding.UTF8.GetBytes("path"), WebSocketMessageType.Text, true, CancellationToken.None);
        Assert.Equal("/ws tests", await ReceiveTextAsync(client));

        var large = new byte[300_000];
        new Random(5).NextBytes(large);
        await client.SendAsync(large, WebSocketMessageType.Binary, true, CancellationToken.None);
        var echoed = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (echoed.Length < large.Length)
        {
            var part = await client.ReceiveAsync(buffer, CancellationToken.None);
            echoed.Write(buffer, 0, part.Count);
        }
        Assert.Equal(large, echoed.ToArray());

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal("bye", client.CloseStatusDescription);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await app.Client.GetAsync("/ws")).StatusCode); // not an upgrade: plain HTTP still served
    }

    [Theory]
    [OnEveryServer]
    public async Task A_handshake_with_a_body_is_not_upgraded_and_its_body_is_not_read_as_frames(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapEcho);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        const string handshake = "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
        await client.SendAsync(handshake + "Content-Length: 5\r\n\r\nhello" + handshake + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
            "GET /ws HTTP/1.1\r\nHost: a\r\n\r\n");
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(400, (await client.ReadResponseAsync()).Status); // the app's answer to no WebSocket request, each in turn
        }
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task RequestAborted_survives_the_switch_and_fires_when_the_websocket_client_goes(ServerKind server)
    {
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var accepted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                context.RequestAborted.Register(() => aborted.TrySetResult());
                Assert.False(context.RequestAborted.IsCancellationRequested);
                accepted.SetResult();
                try
                {
                    await socket.ReceiveAsync(new byte[16], CancellationToken.None);
                }
                catch (WebSocketException)
                {
                }
            });
        });
        var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), CancellationToken.None);
        await accepted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        client.Abort(); // gone without a close frame
        client.Dispose();
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task A_subprotocol_and_permessage_deflate_are_negotiated_and_the_close_status_is_passed_on(ServerKind server)
    {
        var closed = new TaskCompletionSource<(WebSocketCloseStatus?, string?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
                var offered = string.Join(",", context.WebSockets.WebSocketRequestedProtocols);
                using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext
                {
                    SubProtocol = "chat.v2",
                    DangerousEnableCompression = true,
                });
                var buffer = new byte[256 * 1024];
                var received = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                var total = received.Count;
                while (!received.EndOfMessage)
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None);
                    total += received.Count;
                }
                await socket.SendAsync(Encoding.UTF8.GetBytes($"{offered}|{total}|{Encoding.UTF8.GetString(buffer, 0, total).Distinct().Count()}"), WebSocketMessageType.Text, true, CancellationToken.None);
                var last = await socket.ReceiveAsync(buffer, CancellationToken.None);
                closed.SetResult((last.CloseStatus, last.CloseStatusDescription));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
            });
        });
        using var client = new ClientWebSocket();
        client.Options.AddSubProtocol("chat.v1");
        client.Options.AddSubProtocol("chat.v2");
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions();
        client.Options.CollectHttpResponseDetails = true;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{app.Address.Port}/ws"), deadline.Token);
        Assert.Equal("chat.v2", client.SubProtocol);
        Assert.Contains("permessage-deflate", client.HttpResponseHeaders?["Sec-WebSocket-Extensions"].Single() ?? "", StringComparison.Ordinal);
        await client.SendAsync(Encoding.UTF8.GetBytes(new string('z', 200_000)), WebSocketMessageType.Text, true, deadline.Token);
        Assert.Equal("chat.v1,chat.v2|200000|1", await ReceiveTextAsync(client));
        await client.CloseOutputAsync((WebSocketCloseStatus)4001, "app-defined", deadline.Token);
        Assert.Equal(((WebSocketCloseStatus)4001, "app-defined"), await closed.Task.WaitAsync(deadline.Token));
    }

    [Theory]
    [OnEveryServer]
    public async Task Bytes_sent_with_the_upgrade_request_belong_to_the_new_protocol(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseWebSockets();
            web.Map("/ws", async (HttpContext context) =>
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[64];
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                await socket.SendAsync(buffer.AsMemory(0, received.Count), WebSocketMessageType.Text, true, CancellationToken.None);
            });
            web.Map("/raw", async (HttpContext context) =>
            {
                // A protocol of the app's own over IHttpUpgradeFeature, as YARP relays one.
                await using var stream = await context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>()!.UpgradeAsync();
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer);
                await stream.WriteAsync(Encoding.ASCII.GetBytes("echo:" + Encoding.ASCII.GetString(buffer, 0, read)));
            });
        });
        byte[] frame = [0x81, 0x82, 1, 2, 3, 4, (byte)('h' ^ 1), (byte)('i' ^ 2)]; // "hi", masked, in the handshake's own write
        var handshake = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        Assert.Equal("81026869", await AfterSwitchAsync(app, [.. Encoding.ASCII.GetBytes(handshake), .. frame], 4));
        Assert.Equal(Convert.ToHexString("echo:PAYLOAD"u8), await AfterSwitchAsync(app, Encoding.ASCII.GetBytes("GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nPAYLOAD"), 12));
    }

    /// <summary>Sends <paramref name="request"/> in one write; the first <paramref name="count"/> bytes after the 101's head, in hex.</summary>
    private static async Task<string> AfterSwitchAsync(ServedApp app, byte[] request, int count)
    {
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", app.Address.Port);
        await socket.SendAsync(request);
        var received = new List<byte>();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int headEnd;
        while ((headEnd = received.ToArray().AsSpan().IndexOf("\r\n\r\n"u8)) < 0 || received.Count < headEnd + 4 + count)
        {
            var read = await socket.ReceiveAsync(buffer, deadline.Token);
            Assert.NotEqual(0, read);
            received.AddRange(buffer.AsSpan(0, read));
        }
        Assert.StartsWith("HTTP/1.1 101 ", Encoding.ASCII.GetString([.. received]));
        return Convert.ToHexString([.. received.Skip(headEnd + 4).Take(count)]);
    }

    private static async Task<string> ReceiveTextAsync(ClientWebSocket client)
    {
        var buffer = new byte[4096];
        var result = await client.ReceiveAsync(buffer, CancellationToken.None);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    public sealed class ChatHub : Hub
    {
        public Task Send(string text) => Clients.All.SendAsync("message", $"{Context.ConnectionId.Length > 0}: {text}");

        public string Echo(string text) => text;

        public async IAsyncEnumerable<int> Count(int to)
        {
            for (var i = 1; i <= to; i++)
            {
                await Task.Yield();
                yield return i;
            }
        }
    }

    [Theory]
    [MemberData(nameof(ServersAndTransports))]
    public async Task SignalR_with_its_dotnet_client_invokes_broadcasts_and_streams(ServerKind server, HttpTransportType transport)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapHub<ChatHub>("/chat"), configure: builder => builder.Services.AddSignalR());
        await using var connection = new HubConnectionBuilder().WithUrl($"{app.Url}/chat", transport).Build();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.On<string>("message", text => received.TrySetResult(text));
        await connection.StartAsync().WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("echo", await connection.InvokeAsync<string>("Echo", "echo").WaitAsync(TimeSpan.FromSeconds(20)));
        await connection.InvokeAsync("Send", "hello").WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("True: hello", await received.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        var counted = new List<int>();
        await foreach (var n in connection.StreamAsync<int>("Count", 5))
        {
            counted.Add(n);
        }
        Assert.Equal([1, 2, 3, 4, 5], counted);
        await connection.StopAsync().WaitAsync(TimeSpan.FromSeconds(20));
    }
}
