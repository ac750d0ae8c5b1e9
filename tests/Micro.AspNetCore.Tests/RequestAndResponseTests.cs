using System.Net.Http.Json;
using Microsoft.AspNetCore.Http.Features;

namespace Micro.AspNetCore.Tests;

/// <summary>The request and response features, through minimal APIs, with the same answers on every server.</summary>
public sealed class RequestAndResponseTests
{
    private static void Map(WebApplication app)
    {
        app.MapGet("/", () => "Hello, World!");
        app.MapGet("/json/{id:int}", (int id, string? name) => Results.Json(new { id, name }));
        app.MapGet("/request", (HttpRequest request) => new
        {
            request.Method, request.Scheme, Path = request.Path.Value, PathBase = request.PathBase.Value, Query = request.QueryString.Value, request.Protocol,
            Host = request.Host.Value, Tags = request.Headers["X-Tag"].ToArray(), Raw = request.HttpContext.Features.Get<IHttpRequestFeature>()!.RawTarget,
        });
        app.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
        app.MapPost("/echo", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            return Results.Bytes(body.ToArray(), "application/octet-stream");
        });
        app.MapPost("/length", async (HttpContext context) =>
        {
            var total = 0L;
            var buffer = new byte[8192];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
            return Results.Text(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        });
        app.MapGet("/headers", (HttpResponse response) =>
        {
            response.Headers["X-Many"] = new Microsoft.Extensions.Primitives.StringValues(["a", "b"]);
            response.Headers.CacheControl = "no-store";
            response.Headers.Server = "my-server";
            return "headers";
        });
        app.MapMethods("/head-only", ["HEAD"], (HttpResponse response) =>
        {
            response.Headers.ETag = "\"v1\""; // and no body, no length
        });
        app.MapMethods("/declared", ["GET", "HEAD"], async (HttpResponse response) =>
        {
            response.ContentLength = 5;
            await response.WriteAsync("12345");
        });
        app.MapGet("/connection", (HttpContext context) => new
        {
            Remote = context.Connection.RemoteIpAddress!.ToString(), context.Connection.LocalPort, context.Connection.RemotePort,
            context.TraceIdentifier, context.Connection.Id,
        });
        app.MapGet("/throws", string () => throw new InvalidOperationException("the handler failed"));
        app.MapGet("/sync-write", (HttpContext context) => context.Response.Body.Write("sync"u8));
    }

    [Theory]
    [OnEveryServer]
    public async Task Text_and_json_from_minimal_apis(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var hello = await app.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", hello.Content.Headers.ContentType!.ToString());
        Assert.Equal("Hello, World!", await hello.Content.ReadAsStringAsync());
        Assert.NotNull(hello.Headers.Date);

        var json = await app.Client.GetFromJsonAsync<Dictionary<string, object>>("/json/7?name=seven");
        Assert.Equal("7", json!["id"].ToString());
        Assert.Equal("seven", json["name"].ToString());
    }

    [Theory]
    [OnEveryServer]
    public async Task The_request_line_and_headers_reach_the_app_as_sent_with_the_path_decoded(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/a/../request?x=1&y=%20");
        request.Headers.Add("X-Tag", ["one", "two"]);
        var answer = await app.Client.SendAsync(request);
        answer.EnsureSuccessStatusCode();
        var seen = await answer.Content.ReadFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>();
        Assert.Equal("GET", seen!["method"].GetString());
        Assert.Equal("http", seen["scheme"].GetString());
        Assert.Equal("/request", seen["path"].GetString());
        Assert.Equal("", seen["pathBase"].GetString());
        Assert.Equal("?x=1&y=%20", seen["query"].GetString());
        Assert.Equal("HTTP/1.1", seen["protocol"].GetString());
        Assert.Equal(app.Address.Authority, seen["host"].GetString());
        Assert.Equal(["one, two"], seen["tags"].EnumerateArray().Select(tag => tag.GetString()!).ToArray()); // HttpClient sends one line
    }

    [Theory]
    [OnEveryServer]
    public async Task Statuses_and_headers_the_app_sets_are_sent_and_the_framing_is_the_servers(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var created = await app.Client.GetAsync("/status/201");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var noContent = await app.Client.GetAsync("/status/204");
        Assert.Equal(HttpStatusCode.NoContent, noContent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/nowhere")).StatusCode);

        var headers = await app.Client.GetAsync("/headers");
        Assert.Equal(["a", "b"], headers.Headers.GetValues("X-Many"));
        Assert.Equal("no-store", headers.Headers.CacheControl!.ToString());
        Assert.Equal("my-server", headers.Headers.Server.ToString());

        var declared = await app.Client.GetAsync("/declared");
        Assert.Equal(5, declared.Content.Headers.ContentLength);
        Assert.Equal("12345", await declared.Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Head_answers_with_gets_headers_and_no_body(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var head = await app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/declared"));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(5, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        // A HEAD the app answers without a body or a length: no Content-Length (0 could be false), as on Kestrel.
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("HEAD /head-only HTTP/1.1\r\nHost: x\r\n\r\nGET /declared HTTP/1.1\r\nHost: x\r\n\r\n");
        var (status, headers, _) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.DoesNotContain("content-length", headers.Keys);
        Assert.DoesNotContain("transfer-encoding", headers.Keys);
        Assert.Equal("12345", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task Request_bodies_small_large_and_chunked_arrive_whole(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var small = Encoding.UTF8.GetBytes("a small body");
        var echoed = await app.Client.PostAsync("/echo", new ByteArrayContent(small));
        Assert.Equal(small, await echoed.Content.ReadAsByteArrayAsync());

        var large = new byte[3 * 1024 * 1024 + 17];
        new Random(7).NextBytes(large);
        var echoedLarge = await app.Client.PostAsync("/echo", new ByteArrayContent(large));
        Assert.Equal(large, await echoedLarge.Content.ReadAsByteArrayAsync());

        var chunked = new StreamContent(new MemoryStream(large)); // no length: sent chunked
        var counted = await app.Client.PostAsync("/length", chunked);
        Assert.Equal(large.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await counted.Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task A_body_past_the_limit_is_refused_with_413_declared_or_chunked(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map, configure: builder =>
        {
            builder.WebHost.ConfigureKestrel(options => options.Limits.MaxRequestBodySize = 1000);
        }, micro: options => options.MaxRequestBodySize = 1000);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/length", new ByteArrayContent(new byte[1001]))).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await app.Client.PostAsync("/length", new StreamContent(new MemoryStream(new byte[5000])))).StatusCode);
        Assert.Equal("1000", await (await app.Client.PostAsync("/length", new ByteArrayContent(new byte[1000]))).Content.ReadAsStringAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task The_connection_and_the_request_identifier_are_the_clients(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var first = await app.Client.GetFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>("/connection");
        var second = await app.Client.GetFromJsonAsync<Dictionary<string, System.Text.Json.JsonElement>>("/connection");
        Assert.Equal("127.0.0.1", first!["remote"].GetString());
        Assert.Equal(app.Address.Port, first["localPort"].GetInt32());
        Assert.True(first["remotePort"].GetInt32() > 0);
        Assert.Equal(first["id"].GetString(), second!["id"].GetString()); // one keep-alive connection
        Assert.NotEqual(first["traceIdentifier"].GetString(), second["traceIdentifier"].GetString());
        Assert.StartsWith(first["id"].GetString() + ":", first["traceIdentifier"].GetString());
        // Kestrel's form, 13 characters of base32, of a number seeded by the clock: ids differ between runs and instances.
        var id = first["id"].GetString()!;
        Assert.Matches("^[0-9A-V]{13}$", id);
        var number = id.Aggregate(0L, (value, digit) => (value << 5) | (long)"0123456789ABCDEFGHIJKLMNOPQRSTUV".IndexOf(digit, StringComparison.Ordinal));
        Assert.InRange(number, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks, DateTime.UtcNow.Ticks + 1_000_000);
    }

    [Theory]
    [OnEveryServer]
    public async Task An_exception_before_the_response_is_a_500_logged_and_the_connection_serves_on(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        var failed = await app.Client.GetAsync("/throws");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Empty(await failed.Content.ReadAsByteArrayAsync());
        Assert.Contains(app.Log.Entries, entry => entry.Exception?.Message == "the handler failed");
        Assert.Equal("Hello, World!", await app.Client.GetStringAsync("/"));
    }

    [Theory]
    [OnEveryServer]
    public async Task Synchronous_writes_are_refused_unless_allowed(ServerKind server)
    {
        await using (var app = await ServedApp.StartAsync(server, Map))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, (await app.Client.GetAsync("/sync-write")).StatusCode);
            // In Kestrel's words on every server: code that recognizes the refusal by its message finds it.
            Assert.Contains(app.Log.Entries, entry => entry.Exception is InvalidOperationException e
                && e.Message == "Synchronous operations are disallowed. Call WriteAsync or set AllowSynchronousIO to true instead.");
        }
        await using var allowed = await ServedApp.StartAsync(server, Map,
            configure: builder => builder.WebHost.ConfigureKestrel(options => options.AllowSynchronousIO = true), micro: options => options.AllowSynchronousIO = true);
        if (server == ServerKind.MicroInline)
        {
            // Inline, a synchronous write would block the reactor every connection of it waits on: refused even when allowed.
            Assert.Equal(HttpStatusCode.InternalServerError, (await allowed.Client.GetAsync("/sync-write")).StatusCode);
            Assert.Contains(allowed.Log.Entries, entry => entry.Exception?.Message
                == "A synchronous read or write would block the reactor this request runs on (ApplicationScheduling.Inline): call WriteAsync.");
            return;
        }
        Assert.Equal("sync", await allowed.Client.GetStringAsync("/sync-write"));
    }
}
