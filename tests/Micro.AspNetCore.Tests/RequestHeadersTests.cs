using System.Globalization;
using System.Text.Json;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The request's headers as an app reads and changes them (middleware does both): lookups in any case, repeated and
/// empty fields, Content-Length, the count and the names, a change and a removal seen by what reads after, and the
/// next request on the connection seeing its own headers, not the changed ones. The same answers on every server.
/// </summary>
public sealed class RequestHeadersTests
{
    private static void Map(WebApplication app) => app.MapGet("/headers", (HttpRequest request) =>
    {
        var headers = request.Headers;
        var before = Snapshot(headers, request);
        headers["X-Case"] = "changed";
        headers.Remove("X-Empty");
        headers.Append("X-Added", "added");
        return Results.Json(new { before, after = Snapshot(headers, request) });
    });

    private static Dictionary<string, object?> Snapshot(IHeaderDictionary headers, HttpRequest request) => new()
    {
        ["repeat"] = headers["X-REPEAT"].ToArray(),
        ["empty"] = headers.TryGetValue("x-empty", out var empty) ? empty.ToArray() : null,
        ["case"] = headers["x-case"].ToString(),
        ["missing"] = headers.ContainsKey("X-Missing") || headers["X-Missing"].Count > 0,
        ["nonAscii"] = headers["X-Ünicode"].Count,
        ["contentLength"] = request.ContentLength,
        ["count"] = headers.Count,
        ["names"] = headers.Keys.Select(name => name.ToLowerInvariant()).Order().ToArray(),
    };

    /// <summary>
    /// The names an app enumerates are spelled as on Kestrel: those Kestrel knows in its spelling whatever case the
    /// client sent (a proxy passes on an HTTP/2 client's lowercase names), others as the client sent them first.
    /// </summary>
    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task Header_names_are_spelled_as_kestrel_spells_them_whatever_case_was_sent(ServerKind server)
    {
        static void MapNames(WebApplication web) => web.MapPost("/names", (HttpRequest request) => string.Join("\n", request.Headers.Keys.Order(StringComparer.Ordinal)));
        // Every name ASP.NET Core has a constant for, in the case an HTTP/2 client sends (lowercase), and a few it has none for.
        string[] sent =
        [
            .. typeof(Microsoft.Net.Http.Headers.HeaderNames).GetFields().Select(field => ((string)field.GetValue(null)!).ToLowerInvariant())
                .Where(name => !name.StartsWith(':') && name is not ("content-length" or "host" or "transfer-encoding" or "expect" or "upgrade" or "te")),
            "TRACEPARENT", "Te", "alt-used", "X-Custom", "x-CUSTOM", "x-forwarded-for", "priority", "sec-fetch-mode", "x-real-ip",
        ];
        var request = "POST /names HTTP/1.1\r\nhost: x\r\nCONTENT-length: 0\r\n" + string.Concat(sent.Select(name => $"{name}: v\r\n")) + "\r\n";
        await using var kestrel = await ServedApp.StartAsync(ServerKind.Kestrel, MapNames);
        await using var micro = await ServedApp.StartAsync(server, MapNames);
        async Task<string> NamesAsync(ServedApp app)
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync(request);
            return (await client.ReadResponseAsync()).Body;
        }
        Assert.Equal(await NamesAsync(kestrel), await NamesAsync(micro));
    }

    [Theory]
    [OnEveryServer]
    public async Task Request_headers_read_in_any_case_changed_by_the_app_and_fresh_for_the_next_request(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        const string request = "GET /headers HTTP/1.1\r\nHost: x\r\nX-Repeat: one\r\nx-repeat: two\r\nX-Empty: \r\nContent-Length: 0\r\nX-Case: Value\r\n\r\n";
        await client.SendAsync(request + request); // the second on the same connection, after the first changed its own
        for (var i = 0; i < 2; i++)
        {
            var (status, _, body) = await client.ReadResponseAsync();
            Assert.Equal(200, status);
            using var seen = JsonDocument.Parse(body);
            var before = seen.RootElement.GetProperty("before");
            Assert.Equal(["one", "two"], before.GetProperty("repeat").EnumerateArray().Select(value => value.GetString()!));
            Assert.Equal([""], before.GetProperty("empty").EnumerateArray().Select(value => value.GetString()!));
            Assert.Equal("Value", before.GetProperty("case").GetString());
            Assert.False(before.GetProperty("missing").GetBoolean());
            Assert.Equal(0, before.GetProperty("nonAscii").GetInt32());
            Assert.Equal(0, before.GetProperty("contentLength").GetInt64());
            Assert.Equal(5, before.GetProperty("count").GetInt32());
            Assert.Equal(["content-length", "host", "x-case", "x-empty", "x-repeat"], before.GetProperty("names").EnumerateArray().Select(name => name.GetString()!));

            var after = seen.RootElement.GetProperty("after");
            Assert.Equal("changed", after.GetProperty("case").GetString());
            Assert.Equal(JsonValueKind.Null, after.GetProperty("empty").ValueKind);
            Assert.Equal(["one", "two"], after.GetProperty("repeat").EnumerateArray().Select(value => value.GetString()!));
            Assert.Equal(5, after.GetProperty("count").GetInt32());
            Assert.Equal(["content-length", "host", "x-added", "x-case", "x-repeat"], after.GetProperty("names").EnumerateArray().Select(name => name.GetString()!));
        }
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task An_absolute_form_targets_authority_is_the_host_and_a_host_that_is_not_host_port_gets_400(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server,
            web => web.MapGet("/host", (HttpRequest request) => $"{request.Headers.Host}|{request.Headers.Count}|{request.Headers.Host}|{request.Host}"),
            // Kestrel's default refuses a Host line its target contradicts; RFC 9112 section 3.2.2 has the target win, as here.
            builder => builder.WebHost.ConfigureKestrel(kestrel => kestrel.AllowHostHeaderOverride = true));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET http://b.example:8080/host?x HTTP/1.1\r\nHost: a\r\n\r\n");
        var (status, _, body) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.Equal("b.example:8080|1|b.example:8080|b.example:8080", body); // looked up in place, then from the copy

        await using var invalid = await RawHttpClient.ConnectAsync(app.Address);
        await invalid.SendAsync("GET /host HTTP/1.1\r\nHost: a:xx\r\n\r\n"); // RFC 9112 section 3.2: not uri-host[:port]
        Assert.Equal(400, (await invalid.ReadResponseAsync()).Status);
        Assert.True(await invalid.IsClosedByServerAsync());
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task A_path_that_decodes_to_nul_is_refused_with_400_and_a_query_may_hold_one(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/{name}", (string name, HttpRequest request) => $"{name.Length} {request.Query["q"].ToString().Length}"));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /a%01?q=%00 HTTP/1.1\r\nHost: x\r\n\r\nGET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal((200, "2 1"), await StatusAndBodyAsync(client));
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedByServerAsync());
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task Header_values_are_read_as_utf8_and_a_value_that_is_not_utf8_gets_400(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/name", (HttpRequest request) =>
            string.Join(",", request.Headers["X-Name"].ToString().Select(c => ((int)c).ToString("x4", CultureInfo.InvariantCulture)))));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        // "café 😀" as a browser or a proxy sends it: UTF-8 bytes in the value, not Latin-1 characters.
        await client.SendAsync([.. "GET /name HTTP/1.1\r\nHost: x\r\nX-Name: caf"u8, 0xC3, 0xA9, (byte)' ', 0xF0, 0x9F, 0x98, 0x80, .. "\r\n\r\n"u8]);
        Assert.Equal((200, "0063,0061,0066,00e9,0020,d83d,de00"), await StatusAndBodyAsync(client));
        // A byte that is not UTF-8 (Latin-1's "é" alone), pipelined behind a good request: that one answered, then 400 and the close.
        await client.SendAsync([.. "GET /name HTTP/1.1\r\nHost: x\r\nX-Name: a\r\n\r\nGET /name HTTP/1.1\r\nHost: x\r\nX-Name: caf"u8, 0xE9, .. "\r\n\r\n"u8]);
        Assert.Equal((200, "0061"), await StatusAndBodyAsync(client));
        Assert.Equal(400, (await client.ReadResponseAsync()).Status);
        Assert.True(await client.IsClosedByServerAsync());
        await using var truncated = await RawHttpClient.ConnectAsync(app.Address); // a sequence cut short
        await truncated.SendAsync([.. "GET /name HTTP/1.1\r\nHost: x\r\nX-Other: "u8, 0xC3, .. "\r\n\r\n"u8]);
        Assert.Equal(400, (await truncated.ReadResponseAsync()).Status);
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task A_paths_escapes_are_decoded_where_they_are_utf8_and_kept_as_sent_where_not(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.Run(context =>
            context.Response.WriteAsync(Convert.ToHexString(Encoding.UTF8.GetBytes(context.Request.Path.Value!)))));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        (string Sent, string Seen)[] paths =
        [
            ("/caf%C3%A9/%FF", "/café/%FF"), // a byte that is no UTF-8 beside a character that is
            ("/%e2%82%ac%F0%9F%98%80", "/€😀"),
            ("/%C3%28", "/%C3("), // a lead byte without its continuation: kept, and what follows decoded on its own
            ("/%E2%82", "/%E2%82"), // cut short
            ("/%C0%AF", "/%C0%AF"), // an overlong '/': never a slash
            ("/%ED%A0%80", "/%ED%A0%80"), // a surrogate
            ("/%F4%90%80%80", "/%F4%90%80%80"), // past U+10FFFF
            ("/a%2Fb%C3%A9", "/a%2Fb\u00e9"),
        ];
        foreach (var (sent, _) in paths)
        {
            await client.SendAsync($"GET {sent} HTTP/1.1\r\nHost: x\r\n\r\n");
        }
        foreach (var (sent, seen) in paths)
        {
            Assert.Equal((200, Convert.ToHexString(Encoding.UTF8.GetBytes(seen))), await StatusAndBodyAsync(client));
        }
    }

    private static async Task<(int, string)> StatusAndBodyAsync(RawHttpClient client)
    {
        var (status, _, body) = await client.ReadResponseAsync();
        return (status, body);
    }
}
