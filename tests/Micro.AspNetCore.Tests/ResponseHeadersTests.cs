using Microsoft.Extensions.Primitives;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The response's headers as an app and its middleware set them: in any case, overwritten, appended to, removed,
/// emptied, added twice, many at once, Content-Length as a number, a value that changes from one response to the next
/// on the same connection, and a change after the response started. The same answers on every server.
/// </summary>
public sealed class ResponseHeadersTests
{
    private static void Map(WebApplication app)
    {
        var served = 0;
        app.MapGet("/headers/{many:int}", (int many, HttpResponse response) =>
        {
            var headers = response.Headers;
            var even = Interlocked.Increment(ref served) % 2 == 0;
            headers["X-Alternating"] = even ? "even" : "odd"; // two values, each met again
            headers.Server = even ? "even-server" : "odd-server";
            headers["x-case"] = "first";
            headers["X-CASE"] = "second";
            headers.Append("X-Multi", "one");
            headers.Append("X-Multi", "two");
            headers["X-Removed"] = "gone";
            headers.Remove("x-removed");
            headers["X-Emptied"] = "soon";
            headers["X-Emptied"] = StringValues.Empty; // setting nothing removes it
#pragma warning disable ASP0019 // the careless app this test plays: Add of a header already there must throw, on every server
            var addedTwice = Record.Exception(() => headers.Add("x-Case", "again"))?.GetType().Name;
#pragma warning restore ASP0019
            for (var i = 0; i < many; i++)
            {
                headers[$"X-Many-{i}"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            for (var i = 0; i < many; i += 2)
            {
                headers.Remove($"x-many-{i}");
            }
            headers["X-Per-Response"] = Guid.NewGuid().ToString();
            response.ContentLength = 123;
            var declared = response.ContentLength;
            headers.ContentLength = null;
            response.ContentType = "text/plain";
            var seen = new[]
            {
                addedTwice ?? "none", headers["X-CASE"].ToString(), headers["x-multi"].Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                headers.ContainsKey("X-Removed").ToString(), headers.ContainsKey("x-emptied").ToString(), declared?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null",
                (response.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "null"), headers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                headers[$"X-MANY-{many - 1}"].ToString(),
            };
            return string.Join('|', seen);
        });
        app.MapGet("/bad-server", (HttpResponse response) =>
        {
            response.Headers.Server = "split\r\nX-Injected: yes";
            return "never";
        });
        app.MapGet("/empty-and-length", (HttpResponse response) =>
        {
            response.Headers["X-Empty"] = ""; // a header with an empty value, which some protocols give meaning
            response.Headers["X-None"] = StringValues.Empty;
            return Record.Exception(() => response.Headers["Content-Length"] = "abc")?.Message ?? "taken";
        });
        app.MapGet("/length-not-a-number", (HttpResponse response) =>
        {
            response.Headers.Append("content-length", "12, 12");
            return "never sent";
        });
        app.MapGet("/started", async (HttpResponse response) =>
        {
            response.Headers["X-Early"] = "kept";
            await response.StartAsync(); // "making headers unmodifiable", before any byte of the body
            var refused = Record.Exception(() => response.Headers["X-Late"] = "refused");
            await response.WriteAsync(refused?.GetType().Name ?? "none");
        });
        app.MapGet("/late", async (HttpResponse response) =>
        {
            response.Headers["X-Early"] = "kept";
            await response.WriteAsync("started ");
            var refused = Record.Exception(() => response.Headers["X-Late"] = "refused");
            await response.WriteAsync(refused?.GetType().Name ?? "none");
        });
    }

    [Theory]
    [OnEveryServer]
    public async Task Response_headers_set_in_any_case_appended_removed_and_many_are_sent_as_the_app_left_them(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        string? lastPerResponse = null;
        var served = 0;
        foreach (var many in new[] { 4, 4, 4, 4, 60, 60 }) // 60 with half removed: more than a scan is meant for
        {
            using var response = await app.Client.GetAsync($"/headers/{many}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var kept = many / 2;
            // The header count: X-Alternating, Server, X-Case, X-Multi, the many kept, X-Per-Response, Content-Type.
            Assert.Equal($"ArgumentException|second|2|False|False|123|null|{6 + kept}|{many - 1}", await response.Content.ReadAsStringAsync());
            var even = ++served % 2 == 0;
            Assert.Equal([even ? "even" : "odd"], response.Headers.GetValues("X-Alternating"));
            Assert.Equal(even ? "even-server" : "odd-server", response.Headers.Server.ToString());
            if (many == 4)
            {
                using var refused = await app.Client.GetAsync("/bad-server"); // a Server the server must refuse, between good ones
                Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
                Assert.False(refused.Headers.Contains("X-Injected"));
            }
            Assert.Equal(["second"], response.Headers.GetValues("X-Case"));
            Assert.Equal(["one", "two"], response.Headers.GetValues("X-Multi"));
            Assert.False(response.Headers.Contains("X-Removed"));
            Assert.False(response.Headers.Contains("X-Emptied"));
            var sentMany = response.Headers.Where(header => header.Key.StartsWith("X-Many-", StringComparison.OrdinalIgnoreCase))
                .Select(header => header.Value.Single()).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(Enumerable.Range(0, many).Where(i => i % 2 == 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal), sentMany);
            var perResponse = response.Headers.GetValues("X-Per-Response").Single();
            Assert.NotEqual(lastPerResponse, perResponse); // a value of this response, never one remembered from the last
            lastPerResponse = perResponse;
        }
        await app.AssertServesNewConnectionsAsync(); // the refused Server values left every reactor serving
    }

    [Theory]
    [OnEveryServer]
    public async Task An_empty_value_is_sent_and_a_content_length_that_is_not_one_number_is_refused_where_it_is_set(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /empty-and-length HTTP/1.1\r\nHost: x\r\n\r\nGET /length-not-a-number HTTP/1.1\r\nHost: x\r\n\r\n");
        var (status, headers, body) = await client.ReadResponseAsync();
        Assert.Equal(200, status);
        Assert.Equal("", headers["x-empty"]);
        Assert.False(headers.ContainsKey("x-none"));
        Assert.Equal("Invalid Content-Length: \"abc\". Value must be a positive integral number.", body);
        Assert.Equal(500, (await client.ReadResponseAsync()).Status); // not sent as the app wrote it, nor replaced by the body's length
        Assert.Contains(app.Log.Entries, entry => entry.Exception?.Message == "Invalid Content-Length: \"12, 12\". Value must be a positive integral number.");
    }

    [Theory]
    [OnEveryServer]
    public async Task A_header_set_after_the_response_started_is_refused_and_the_connection_goes_on(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /late HTTP/1.1\r\nHost: x\r\n\r\nGET /headers/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        var late = await client.ReadResponseAsync();
        Assert.Equal("started InvalidOperationException", late.Body);
        Assert.Equal("kept", late.Headers["x-early"]);
        Assert.DoesNotContain("x-late", late.Headers.Keys);
        var next = await client.ReadResponseAsync();
        Assert.Equal("second", next.Headers["x-case"]);
        Assert.DoesNotContain("x-early", next.Headers.Keys); // the next response on the connection starts with none

        await client.SendAsync("GET /started HTTP/1.1\r\nHost: x\r\n\r\nGET /headers/1 HTTP/1.1\r\nHost: x\r\n\r\n");
        var started = await client.ReadResponseAsync();
        Assert.Equal("InvalidOperationException", started.Body);
        Assert.Equal("kept", started.Headers["x-early"]);
        Assert.DoesNotContain("x-late", started.Headers.Keys);
        Assert.Equal("second", (await client.ReadResponseAsync()).Headers["x-case"]);
        await app.AssertServesNewConnectionsAsync();
    }

    /// <summary>
    /// Where Micro answers otherwise on purpose (docs/aspnetcore.md, "Framing"): the server frames every body, so a
    /// Transfer-Encoding the app sets is not sent, and a body written plain under it arrives whole, pipelined
    /// responses after it intact (Kestrel would send the app's header over the plain body, and the client could not read it).
    /// </summary>
    [Theory]
    [InlineData(ServerKind.Micro)]
    [InlineData(ServerKind.MicroInline)]
    public async Task A_transfer_encoding_the_app_sets_is_not_sent_and_the_server_frames_the_body(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/framed-by-app/{coding}", async (string coding, HttpResponse response) =>
            {
                response.Headers.TransferEncoding = coding;
                await response.WriteAsync("plain");
                await response.Body.FlushAsync();
                await response.WriteAsync(" body");
            });
            web.MapGet("/next", () => "next");
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /framed-by-app/chunked HTTP/1.1\r\nHost: x\r\n\r\nGET /framed-by-app/gzip HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
        foreach (var _ in new[] { "chunked", "gzip" })
        {
            var (status, headers, body) = await client.ReadResponseAsync();
            Assert.Equal(200, status);
            Assert.Equal("plain body", body);
            // The server's own framing: a Content-Length, or chunked (as the schedule found the body), never the app's coding.
            var codings = client.LastHeaderLines.Where(line => line.StartsWith("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)).ToList();
            Assert.True(codings is [] ? headers.ContainsKey("content-length") : codings is ["Transfer-Encoding: chunked"], string.Join(" | ", client.LastHeaderLines));
            Assert.False(headers.ContainsKey("connection"));
        }
        Assert.Equal("next", (await client.ReadResponseAsync()).Body);
    }

    [Fact]
    public void The_dictionary_keeps_a_dictionarys_contract_past_its_scanned_size_and_after_a_reset()
    {
        var headers = new ResponseHeaderDictionary();
        IDictionary<string, StringValues> asDictionary = headers;
        Assert.Throws<KeyNotFoundException>(() => asDictionary["X-Missing"]);
        Assert.Equal(StringValues.Empty, headers["X-Missing"]);
        for (var i = 0; i < 100; i++)
        {
            headers.Add($"X-{i}", $"{i}");
        }
        Assert.Throws<ArgumentException>(() => headers.Add("x-50", "again"));
        Assert.Equal("50", headers["x-50"].ToString());
        Assert.False(headers.Remove(new KeyValuePair<string, StringValues>("X-50", "other"))); // the value must match too
        Assert.True(headers.Remove(new KeyValuePair<string, StringValues>("X-50", "50")));
        Assert.True(headers.Remove("x-0"));
        Assert.False(headers.ContainsKey("X-50"));
        Assert.Equal("99", headers["x-99"].ToString()); // found after removals moved it
        Assert.Equal(98, headers.Count);
        Assert.Equal(Enumerable.Range(1, 99).Where(i => i != 50).Select(i => $"X-{i}"), headers.Select(header => header.Key)); // in the order set
        var copied = new KeyValuePair<string, StringValues>[98];
        headers.CopyTo(copied, 0);
        Assert.Equal("X-1", copied[0].Key);

        headers["Content-Length"] = "10";
        Assert.Equal(10, headers.ContentLength);
        headers["content-length"] = " 20 ";
        Assert.Equal(20, headers.ContentLength);
        // As Kestrel's headers: a length that is not a number is refused where it is set, and the one before stays.
        Assert.Throws<InvalidOperationException>(() => headers["Content-Length"] = "not a number");
        Assert.Equal(20, headers.ContentLength);

        headers.IsReadOnly = true;
        Assert.Throws<InvalidOperationException>(() => headers["X-1"] = "changed");
        Assert.Throws<InvalidOperationException>(() => headers.Remove("X-1"));
        Assert.Throws<InvalidOperationException>(() => headers.ContentLength = 1);
        Assert.Throws<InvalidOperationException>(headers.Clear);

        headers.Reset(); // the next request of the pooled run
        Assert.False(headers.IsReadOnly);
        Assert.Empty(headers);
        Assert.False(headers.ContainsKey("X-99"));
        headers["X-Again"] = "yes";
        Assert.Equal(["X-Again"], headers.Keys);
    }
}
