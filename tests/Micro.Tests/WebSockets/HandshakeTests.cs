using System.Net.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: the opening handshake (RFC 6455 section 4), with .NET's ClientWebSocket and with raw requests.</summary>
public sealed class HandshakeTests
{
    [Fact]
    public async Task ClientWebSocket_echoes_text_and_binary_and_closes_normally()
    {
        await using var server = new WebSocketApp();
        using var client = new ClientWebSocket();
        await client.ConnectAsync(server.Url("/echo"), CancellationToken.None);
        var buffer = new byte[256 * 1024];
        await client.SendAsync("hello"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var received = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(("hello", System.Net.WebSockets.WebSocketMessageType.Text, true), (Encoding.UTF8.GetString(buffer, 0, received.Count), received.MessageType, received.EndOfMessage));

        var big = Enumerable.Range(0, 200_000).Select(i => (byte)i).ToArray();
        await client.SendAsync(big.AsMemory(0, 70_000), System.Net.WebSockets.WebSocketMessageType.Binary, false, CancellationToken.None); // fragmented
        await client.SendAsync(big.AsMemory(70_000), System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
        var total = 0;
        ValueWebSocketReceiveResult part;
        do
        {
            part = await client.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None);
            total += part.Count;
        }
        while (!part.EndOfMessage);
        Assert.True(buffer.AsSpan(0, total).SequenceEqual(big));

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        Assert.Equal((1000, "done"), await server.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Route_parameters_query_and_middleware_apply_before_the_upgrade()
    {
        await using var server = new WebSocketApp(app => app.Use((req, res, next) =>
        {
            if (req.Path.StartsWith("/rooms/secret") && req.Header("Authorization") != "Bearer letmein")
            {
                res.Status(401).Send("Unauthorized");
                return default;
            }
            return next.Invoke();
        }));
        using var client = new ClientWebSocket();
        await client.ConnectAsync(server.Url("/rooms/7?name=ana"), CancellationToken.None);
        var buffer = new byte[1024];
        var first = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("room 7, query ana", Encoding.UTF8.GetString(buffer, 0, first.Count));
        await client.SendAsync("hi"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var second = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("7: hi", Encoding.UTF8.GetString(buffer, 0, second.Count));

        using var refused = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.Url("/rooms/secret"), CancellationToken.None));
        Assert.Contains("401", error.Message);
        using var authorized = new ClientWebSocket();
        authorized.Options.SetRequestHeader("Authorization", "Bearer letmein");
        await authorized.ConnectAsync(server.Url("/rooms/secret"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, authorized.State);

        using var missing = new ClientWebSocket();
        var notFound = await Assert.ThrowsAsync<WebSocketException>(() => missing.ConnectAsync(server.Url("/nowhere"), CancellationToken.None));
        Assert.Contains("404", notFound.Message);
    }

    [Fact]
    public async Task Route_middleware_on_a_websocket_route_runs_before_the_handshake_and_can_refuse_it()
    {
        var ran = 0;
        Middleware requireToken = (req, res, next) =>
        {
            Interlocked.Increment(ref ran);
            if (req.Header("X-Token") != "open sesame")
            {
                res.Status(401).Send("a token is needed");
                return default;
            }
            req.Items["user"] = "ana";
            return next.Invoke();
        };
        await using var server = new WebSocketApp(app => Micro.WebSockets.WebSocketRoutes.WebSocket(app, "/guarded", requireToken, async (ws, req) =>
        {
            await ws.SendAsync(Encoding.UTF8.GetBytes($"hello {req.Items["user"]}"), Micro.WebSockets.WebSocketMessageType.Text);
            await foreach (var _ in ws)
            {
            }
        }));
        using var refused = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(server.Url("/guarded"), CancellationToken.None));
        Assert.Contains("401", error.Message);

        using var admitted = new ClientWebSocket();
        admitted.Options.SetRequestHeader("X-Token", "open sesame");
        await admitted.ConnectAsync(server.Url("/guarded"), CancellationToken.None);
        var buffer = new byte[256];
        var greeting = await admitted.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello ana", Encoding.UTF8.GetString(buffer, 0, greeting.Count));
        Assert.Equal(2, ran);
        await admitted.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Theory]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\n\r\n", "426", "Sec-WebSocket-Version: 13")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", "426", "Sec-WebSocket-Version: 13")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: short\r\nSec-WebSocket-Version: 13\r\n\r\n", "400", "16 bytes")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "426", "Connection: Upgrade")]
    [InlineData("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", "405", "Allow: GET")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", "400", "sent once")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 13\r\n\r\n", "400", "sent once")]
    [InlineData("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello", "400", "has no body")]
    [InlineData("GET /plain HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n", "200", "plain")]
    public async Task A_refused_handshake_is_answered_as_http_and_the_connection_goes_on(string request, string status, string expected)
    {
        await using var server = new WebSocketApp();
        await using var client = await TestApp.ConnectAsync(new Uri($"http://{server.EndPoint}"));
        await client.SendAsync(request + "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2);
        Assert.Equal(int.Parse(status), responses[0].Status);
        Assert.Contains(expected, string.Join("\r\n", responses[0].Headers.Select(h => $"{h.Key}: {h.Value}")) + responses[0].Body);
        Assert.Equal("plain", responses[1].Body);
    }

    [Fact]
    public async Task A_handshake_that_also_asks_to_close_the_connection_is_refused_and_closed()
    {
        await using var server = new WebSocketApp();
        await using var client = await TestApp.ConnectAsync(new Uri($"http://{server.EndPoint}"));
        await client.SendAsync("GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade, close\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        var answer = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 400 ", answer);
        Assert.Contains("no Connection: close", answer);
    }

    [Fact]
    public async Task The_accept_key_is_computed_as_the_rfc_example_says_and_pipelined_requests_before_the_upgrade_are_answered_first()
    {
        await using var server = new WebSocketApp();
        // RFC 6455 section 1.3's example key and its accept value; a request pipelined before the upgrade, and a
        // frame sent right behind the handshake, in one write.
        var handshake = "GET /plain HTTP/1.1\r\nHost: t\r\n\r\n" +
            "GET /echo HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        await socket.ConnectAsync(server.EndPoint);
        await using var stream = new System.Net.Sockets.NetworkStream(socket);
        byte[] bytes = [.. Encoding.ASCII.GetBytes(handshake), .. RawWebSocket.Encode(1, "first"u8)];
        await stream.WriteAsync(bytes);
        var received = new List<byte>();
        var buffer = new byte[4096];
        while (!Encoding.Latin1.GetString([.. received]).Contains("first"))
        {
            var read = await stream.ReadAsync(buffer);
            Assert.NotEqual(0, read);
            received.AddRange(buffer.AsSpan(0, read));
        }
        var text = Encoding.Latin1.GetString([.. received]);
        Assert.StartsWith("HTTP/1.1 200 OK", text);
        var upgrade = text.IndexOf("HTTP/1.1 101 Switching Protocols\r\n", StringComparison.Ordinal);
        Assert.True(upgrade > text.IndexOf("plain", StringComparison.Ordinal));
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n", text);
        Assert.EndsWith("\r\n\r\n\u0081\u0005first", text);
    }

    [Fact]
    public async Task The_upgrade_request_stays_readable_after_the_reactor_has_reused_its_receive_buffer()
    {
        // Python's websockets client found this: the request's bytes were still borrowed from the receive buffer, and
        // the route parameter read in the handler came back as whatever the next read had put there.
        await using var server = new WebSocketApp(app => app.ServerOptions.ReactorCount = 1);
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/rooms/abcdef?name=first");
        await using (client)
        {
            Assert.Equal("room abcdef, query first", (await client.ReadFrameAsync())!.Text);
            using (var other = new HttpClient())
            {
                var overwrite = new string('Z', 4000);
                Assert.Equal("plain", await other.GetStringAsync($"http://{server.EndPoint}/plain?{overwrite}"));
            }
            await client.SendTextAsync("still there?");
            Assert.Equal("abcdef: still there?", (await client.ReadFrameAsync())!.Text);
        }
    }

    [Fact]
    public async Task A_subprotocol_is_chosen_from_the_clients_offer_and_a_foreign_origin_is_refused()
    {
        var options = new Micro.WebSockets.WebSocketOptions();
        options.SubProtocols.Add("chat.v2");
        options.SubProtocols.Add("chat.v1");
        options.AllowedOrigins.Add("https://app.example");
        await using var server = new WebSocketApp(options: options);
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Sec-WebSocket-Protocol: chat.v1, chat.v2\r\nOrigin: https://app.example\r\n");
        await using (client)
        {
            Assert.StartsWith("HTTP/1.1 101", head);
            Assert.Contains("Sec-WebSocket-Protocol: chat.v2\r\n", head); // the server's preference among those offered
        }
        var (foreign, refusal) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Origin: https://evil.example\r\n");
        await using (foreign)
        {
            Assert.StartsWith("HTTP/1.1 403", refusal);
        }
    }
}
