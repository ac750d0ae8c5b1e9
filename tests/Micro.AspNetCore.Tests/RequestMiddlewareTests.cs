using System.IO.Compression;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.HttpOverrides;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// ASP.NET Core's middleware that rewrites the request before the app sees it (forwarded headers, request
/// decompression, request timeouts, CORS, session), as an app behind a proxy uses it, giving the same answers on
/// every server. Several set what the server gave (the remote address, the scheme, the body, the abort token): what
/// one request set must not be seen by the next on the same connection.
/// </summary>
public sealed class RequestMiddlewareTests
{
    [Theory]
    [OnEveryServer]
    public async Task Forwarded_headers_set_the_client_address_scheme_and_host_for_one_request_only(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.All });
            web.MapGet("/who", (HttpContext context) =>
                $"{context.Connection.RemoteIpAddress}|{context.Request.Scheme}|{context.Request.Host}|{context.Request.IsHttps}|{context.Request.Headers["X-Original-For"]}");
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        // Behind a proxy on the loopback (a known proxy by default): the client the proxy names.
        await client.SendAsync("GET /who HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: shop.example\r\n\r\n");
        var forwarded = await client.ReadResponseAsync();
        Assert.Equal(200, forwarded.Status);
        Assert.StartsWith("203.0.113.7|https|shop.example|True|127.0.0.1:", forwarded.Body);
        // The next request on the same connection, without the headers: the connection's own values again.
        await client.SendAsync("GET /who HTTP/1.1\r\nHost: plain.example\r\n\r\n");
        Assert.Equal("127.0.0.1|http|plain.example|False|", (await client.ReadResponseAsync()).Body);
        // Pipelined, forwarded and plain alternating: each request sees its own.
        await client.SendAsync(
            "GET /who HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 198.51.100.1\r\n\r\n" +
            "GET /who HTTP/1.1\r\nHost: b\r\n\r\n" +
            "GET /who HTTP/1.1\r\nHost: c\r\nX-Forwarded-For: 198.51.100.3\r\nX-Forwarded-Proto: https\r\n\r\n" +
            "GET /who HTTP/1.1\r\nHost: d\r\n\r\n");
        Assert.StartsWith("198.51.100.1|http|a|False|", (await client.ReadResponseAsync()).Body);
        Assert.Equal("127.0.0.1|http|b|False|", (await client.ReadResponseAsync()).Body);
        Assert.StartsWith("198.51.100.3|https|c|True|", (await client.ReadResponseAsync()).Body);
        Assert.Equal("127.0.0.1|http|d|False|", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task Forwarded_headers_from_an_unknown_proxy_are_ignored(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            var options = new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor };
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Add(IPAddress.Parse("192.0.2.1")); // not the loopback this client comes from
            web.UseForwardedHeaders(options);
            web.MapGet("/who", (HttpContext context) => $"{context.Connection.RemoteIpAddress}");
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, "/who");
        request.Headers.Add("X-Forwarded-For", "203.0.113.7");
        Assert.Equal("127.0.0.1", await (await app.Client.SendAsync(request)).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Request_decompression_hands_the_inflated_body_to_binding_and_to_readers(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseRequestDecompression();
            web.MapPost("/sum", (Numbers numbers) => numbers.Values.Sum());
            web.MapPost("/text", async (HttpRequest request) => await new StreamReader(request.Body).ReadToEndAsync());
        }, configure: builder => builder.Services.AddRequestDecompression());
        var json = JsonSerializer.SerializeToUtf8Bytes(new Numbers([.. Enumerable.Range(1, 2000)]));
        // Bound through HttpRequest.BodyReader (the server's, or one made over the stream the middleware put in).
        Assert.Equal(2001000, await (await app.Client.SendAsync(Compressed("/sum", json, chunked: false))).Content.ReadFromJsonAsync<int>());
        Assert.Equal(2001000, await (await app.Client.SendAsync(Compressed("/sum", json, chunked: true))).Content.ReadFromJsonAsync<int>());
        var text = string.Concat(Enumerable.Repeat("inflate me ", 20_000));
        Assert.Equal(text, await (await app.Client.SendAsync(Compressed("/text", Encoding.UTF8.GetBytes(text), chunked: true))).Content.ReadAsStringAsync());
        // Not compressed: the body as sent, on the same connection.
        Assert.Equal("plain", await (await app.Client.PostAsync("/text", new StringContent("plain"))).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Request_decompression_holds_the_inflated_body_to_the_size_limit(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.Use((context, next) =>
            {
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = 10_000;
                return next(context);
            });
            web.UseRequestDecompression();
            web.MapPost("/text", async (HttpRequest request) => (await new StreamReader(request.Body).ReadToEndAsync()).Length);
        }, configure: builder => builder.Services.AddRequestDecompression());
        // A small request that inflates past the limit (a decompression bomb in miniature): refused, not read whole.
        var bomb = Compressed("/text", new byte[5_000_000], chunked: false);
        Assert.True(bomb.Content!.Headers.ContentLength < 10_000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.SendAsync(bomb)).StatusCode);
        Assert.Equal("9000", await (await app.Client.SendAsync(Compressed("/text", new byte[9_000], chunked: false))).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Request_timeouts_answer_504_and_the_connection_serves_on(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseRequestTimeouts();
            web.MapGet("/slow", async (CancellationToken cancelled) =>
            {
                await Task.Delay(Timeout.Infinite, cancelled);
                return "never";
            }).WithRequestTimeout(TimeSpan.FromMilliseconds(100));
            web.MapGet("/fast", () => "fast");
        }, configure: builder => builder.Services.AddRequestTimeouts());
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        // One that times out with one pipelined behind it: the second is answered after the 504, on the same connection.
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(504, (await client.ReadResponseAsync()).Status);
        var fast = await client.ReadResponseAsync();
        Assert.Equal((200, "fast"), (fast.Status, fast.Body));
        // The timeout's token was the request's own: the next request's is fresh.
        await client.SendAsync("GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("fast", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task Cors_answers_preflights_and_marks_allowed_responses(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseCors();
            web.MapPut("/item", () => "stored").RequireCors("site");
        }, configure: builder => builder.Services.AddCors(options => options.AddPolicy("site", policy =>
            policy.WithOrigins("https://app.example").WithMethods("PUT").WithHeaders("x-token").WithExposedHeaders("x-version"))));
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/item");
        preflight.Headers.Add("Origin", "https://app.example");
        preflight.Headers.Add("Access-Control-Request-Method", "PUT");
        preflight.Headers.Add("Access-Control-Request-Headers", "x-token");
        var allowed = await app.Client.SendAsync(preflight);
        Assert.Equal(HttpStatusCode.NoContent, allowed.StatusCode);
        Assert.Equal("https://app.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("PUT", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single());
        Assert.Contains("x-token", allowed.Headers.GetValues("Access-Control-Allow-Headers").Single());

        using var foreign = new HttpRequestMessage(HttpMethod.Options, "/item");
        foreign.Headers.Add("Origin", "https://evil.example");
        foreign.Headers.Add("Access-Control-Request-Method", "PUT");
        var refused = await app.Client.SendAsync(foreign);
        Assert.False(refused.Headers.Contains("Access-Control-Allow-Origin"));

        using var put = new HttpRequestMessage(HttpMethod.Put, "/item");
        put.Headers.Add("Origin", "https://app.example");
        var stored = await app.Client.SendAsync(put);
        Assert.Equal("stored", await stored.Content.ReadAsStringAsync());
        Assert.Equal("https://app.example", stored.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Equal("x-version", stored.Headers.GetValues("Access-Control-Expose-Headers").Single());
    }

    [Theory]
    [OnEveryServer]
    public async Task Session_state_follows_its_cookie(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseSession();
            web.MapGet("/visits", async (HttpContext context) =>
            {
                await context.Session.LoadAsync();
                var visits = (context.Session.GetInt32("visits") ?? 0) + 1;
                context.Session.SetInt32("visits", visits);
                return visits;
            });
        }, configure: builder =>
        {
            builder.Services.AddDistributedMemoryCache();
            builder.Services.AddSession();
        });
        // ServedApp's client keeps cookies: one session.
        Assert.Equal("1", await app.Client.GetStringAsync("/visits"));
        Assert.Equal("2", await app.Client.GetStringAsync("/visits"));
        Assert.Equal("3", await app.Client.GetStringAsync("/visits"));
        // Another client, without the cookie: a session of its own.
        using var stranger = new HttpClient { BaseAddress = app.Address };
        Assert.Equal("1", await stranger.GetStringAsync("/visits"));
        Assert.Equal("4", await app.Client.GetStringAsync("/visits"));
    }

    private static HttpRequestMessage Compressed(string path, byte[] body, bool chunked)
    {
        var packed = new MemoryStream();
        using (var gzip = new GZipStream(packed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(body);
        }
        HttpContent content = new ByteArrayContent(packed.ToArray());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = chunked;
        return request;
    }

    public sealed record Numbers(int[] Values);
}
