using System.Net.WebSockets;
using Yarp.ReverseProxy.Configuration;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// YARP (Yarp.ReverseProxy from NuGet) served by each server, in front of a backend on Kestrel: a reverse proxy reads
/// and writes bodies as streams in both directions at once, relays an upgrade as an opaque duplex stream, and must
/// pass a client's leaving on to the backend.
/// </summary>
public sealed class ReverseProxyTests
{
    [Theory]
    [OnEveryServer]
    public async Task Requests_and_streamed_bodies_pass_through_both_ways(ServerKind server)
    {
        await using var backend = await Backend();
        await using var proxy = await Proxy(server, backend);
        var seen = await proxy.Client.GetStringAsync("/api/who?x=1&y=%20");
        Assert.Equal("/api/who?x=1&y=%20|127.0.0.1|127.0.0.1", seen); // X-Forwarded-For: the client, as the proxy saw it

        // 4 MB up, streamed (chunked) and echoed back while it is still arriving.
        var upload = new byte[4_000_000];
        new Random(9).NextBytes(upload);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/echo") { Content = new StreamContent(new MemoryStream(upload)) };
        request.Headers.TransferEncodingChunked = true;
        var echoed = await proxy.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, echoed.StatusCode);
        Assert.Equal(upload, await echoed.Content.ReadAsByteArrayAsync());

        // The backend's statuses and headers as it gave them.
        var missing = await proxy.Client.GetAsync("/api/missing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("backend", missing.Headers.GetValues("x-served-by").Single());
    }

    [Theory]
    [OnEveryServer]
    public async Task A_websocket_passes_through_the_proxy(ServerKind server)
    {
        await using var backend = await Backend();
        await using var proxy = await Proxy(server, backend);
        using var client = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync(new Uri(proxy.Url.Replace("http://", "ws://", StringComparison.Ordinal) + "/api/ws"), deadline.Token);
        var buffer = new byte[300_000];
        foreach (var size in new[] { 5, 70_000, 250_000 })
        {
            var message = new byte[size];
            new Random(size).NextBytes(message);
            await client.SendAsync(message, WebSocketMessageType.Binary, true, deadline.Token);
            var received = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await client.ReceiveAsync(buffer.AsMemory(received), deadline.Token);
                received += result.Count;
            }
            while (!result.EndOfMessage);
            Assert.Equal(message, buffer[..received]);
        }
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", deadline.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Theory]
    [OnEveryServer]
    public async Task A_client_that_leaves_mid_response_is_passed_on_to_the_backend(ServerKind server)
    {
        var backendAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var backend = await Backend(backendAborted);
        await using var proxy = await Proxy(server, backend);
        await using (var client = await RawHttpClient.ConnectAsync(proxy.Address))
        {
            await client.SendAsync("GET /api/endless HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, await client.ReadHeadAsync());
            Assert.NotEmpty(await client.ReadChunkAsync()); // the backend's first write, relayed
            client.Reset();
        }
        await backendAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await proxy.AssertServesNewConnectionsAsync();
    }

    private static Task<ServedApp> Backend(TaskCompletionSource? aborted = null) => ServedApp.StartAsync(ServerKind.Kestrel, web =>
    {
        web.UseWebSockets();
        web.Use((context, next) =>
        {
            context.Response.Headers["x-served-by"] = "backend";
            return next(context);
        });
        web.MapGet("/api/who", (HttpContext context) =>
            $"{context.Request.Path}{context.Request.QueryString}|{context.Connection.RemoteIpAddress}|{context.Request.Headers["X-Forwarded-For"]}");
        web.MapPost("/api/echo", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/octet-stream";
            await context.Request.Body.CopyToAsync(context.Response.Body, context.RequestAborted);
        });
        web.MapGet("/api/endless", async (HttpContext context) =>
        {
            try
            {
                while (true)
                {
                    await context.Response.WriteAsync(new string('x', 1000), context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(10, context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                aborted?.TrySetResult();
            }
        });
        web.Map("/api/ws", async context =>
        {
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }
                await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, CancellationToken.None);
            }
        });
    });

    private static Task<ServedApp> Proxy(ServerKind server, ServedApp backend) => ServedApp.StartAsync(server, web => web.MapReverseProxy(),
        configure: builder => builder.Services.AddReverseProxy().LoadFromMemory(
            [new RouteConfig { RouteId = "api", ClusterId = "backend", Match = new RouteMatch { Path = "/api/{**rest}" } }],
            [new ClusterConfig { ClusterId = "backend", Destinations = new Dictionary<string, DestinationConfig> { ["one"] = new() { Address = backend.Url } } }]));
}
