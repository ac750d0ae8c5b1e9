namespace Micro.AspNetCore.Tests;

/// <summary>
/// Responses at the edges of what a server sends as the app left them: a header it must refuse, a body shorter than
/// the Content-Length the app declared, a Connection: close from the app, a body too large to go whole with its
/// pipeline's other answers. The same answers on every server; each followed by a plain request on the same or a new
/// connection, so a response that went wrong does not take the next one with it.
/// </summary>
public sealed class ResponseEdgeTests
{
    private static void Map(WebApplication app)
    {
        app.MapGet("/plain", () => "plain");
        app.MapGet("/bad-header", (HttpResponse response) =>
        {
            response.Headers["X-Bad"] = "split\r\nX-Injected: yes";
            return "never";
        });
        app.MapGet("/non-ascii", (HttpResponse response, string value) =>
        {
            response.Headers["X-Price"] = value; // Kestrel refuses what is not ASCII; Latin-1's encoder would have sent '?' for the euro
            return "never";
        });
        app.MapGet("/short", async (HttpResponse response) =>
        {
            response.ContentLength = 10;
            await response.WriteAsync("12345");
        });
        app.MapGet("/close", (HttpResponse response) =>
        {
            response.Headers.Connection = "close";
            return "closing";
        });
        app.MapGet("/large", () => Results.Text(new string('x', 100_000)));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_header_that_would_split_the_response_is_refused_with_a_500(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /bad-header HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        var refused = await client.ReadResponseAsync();
        Assert.Equal(500, refused.Status);
        Assert.DoesNotContain("x-injected", refused.Headers.Keys); // names lower-cased by the client
        Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task A_header_value_that_is_not_ascii_is_refused_with_a_500(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /non-ascii?value=9%E2%82%AC HTTP/1.1\r\nHost: x\r\n\r\nGET /non-ascii?value=caf%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
        Assert.Equal(500, (await client.ReadResponseAsync()).Status);
        Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
        Assert.Contains(app.Log.Entries, entry => entry.Exception?.Message == "Invalid non-ASCII or control character in header: 0x20AC");
    }

    [Theory]
    [OnEveryServer]
    public async Task A_body_written_to_a_204_or_304_is_refused_where_it_is_written(ServerKind server)
    {
        var refusals = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var refused = new SemaphoreSlim(0);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            Map(web);
            web.MapGet("/bodyless/{status:int}", async (int status, HttpResponse response) =>
            {
                response.StatusCode = status;
                try
                {
                    await response.WriteAsync("a body it cannot have");
                }
                catch (InvalidOperationException exception)
                {
                    refusals.Enqueue(exception.Message);
                    refused.Release();
                    throw;
                }
            });
        });
        foreach (var status in new[] { 204, 304 })
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync($"GET /bodyless/{status} HTTP/1.1\r\nHost: x\r\n\r\n");
            // Kestrel has sent the head by the write and cuts the connection after it; Micro, which had sent nothing, answers 500.
            Assert.Contains(await client.ReadHeadAsync(), new[] { status, 500 });
            Assert.True(await refused.WaitAsync(TimeSpan.FromSeconds(30))); // on Kestrel the head may come first
        }
        Assert.Equal(["Writing to the response body is invalid for responses with status code 204.",
            "Writing to the response body is invalid for responses with status code 304."], refusals);
        Assert.Equal("plain", await app.Client.GetStringAsync("/plain"));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_declared_length_is_told_by_a_304_and_refused_on_a_204_unless_0(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            Map(web);
            web.MapGet("/declared/{status:int}/{length:int}", async (int status, int length, bool? started, HttpResponse response) =>
            {
                response.StatusCode = status;
                response.ContentLength = length;
                if (started == true)
                {
                    await response.StartAsync(); // the head goes out before the app returns: the streamed path
                }
            });
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        // A 304 tells the length its 200 would have had (RFC 9110 section 8.6), as a proxy relays a backend's; no body follows.
        await client.SendAsync("GET /declared/304/5 HTTP/1.1\r\nHost: x\r\n\r\nGET /declared/304/7?started=true HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /declared/204/0 HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        var notModified = await client.ReadResponseAsync(headOnly: true);
        Assert.Equal((304, "5"), (notModified.Status, notModified.Headers["content-length"]));
        var started = await client.ReadResponseAsync(headOnly: true);
        Assert.Equal((304, "7"), (started.Status, started.Headers["content-length"]));
        var noContent = await client.ReadResponseAsync(headOnly: true);
        Assert.Equal(204, noContent.Status);
        Assert.DoesNotContain("content-length", noContent.Headers.Keys); // a 204 never has one (RFC 9110 section 8.6)
        Assert.Equal("plain", (await client.ReadResponseAsync()).Body);

        // A 204 has no content: a length other than 0 is the app's mistake, answered 500 and logged as Kestrel does.
        await client.SendAsync("GET /declared/204/5 HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        var refused = await client.ReadResponseAsync();
        Assert.Equal((500, ""), (refused.Status, refused.Body));
        Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
        Assert.Contains(app.Log.Entries, entry => entry.Exception?.Message == "Response Content-Length mismatch: too few bytes written (0 of 5).");
    }

    [Theory]
    [OnEveryServer]
    public async Task The_apps_reason_phrase_is_sent_for_its_response_alone(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            Map(web);
            web.MapGet("/reason", (HttpContext context, int status, string phrase) =>
            {
                context.Response.StatusCode = status;
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseFeature>()!.ReasonPhrase = phrase;
                return "with a reason";
            });
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        // As a proxy copies its backend's: an unknown status's words, a known one's own words; the next response its own.
        await client.SendAsync("GET /reason?status=299&phrase=Custom%20Thing HTTP/1.1\r\nHost: x\r\n\r\nGET /reason?status=404&phrase=Gone%20Fishing HTTP/1.1\r\nHost: x\r\n\r\n" +
            "GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("with a reason", (await client.ReadResponseAsync()).Body);
        Assert.Equal("HTTP/1.1 299 Custom Thing", client.LastStatusLine);
        await client.ReadResponseAsync();
        Assert.Equal("HTTP/1.1 404 Gone Fishing", client.LastStatusLine);
        Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
        Assert.Equal("HTTP/1.1 200 OK", client.LastStatusLine);
        if (server != ServerKind.Kestrel)
        {
            // Words that would end the status line and start a header: refused as such a header is (Kestrel sends them).
            await client.SendAsync("GET /reason?status=200&phrase=OK%0d%0aX-Injected:%20yes HTTP/1.1\r\nHost: x\r\n\r\nGET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
            var refused = await client.ReadResponseAsync();
            Assert.Equal(500, refused.Status);
            Assert.DoesNotContain("x-injected", refused.Headers.Keys);
            Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
        }
    }

    /// <summary>
    /// A write past the Content-Length the app set throws at that write, with Kestrel's words, whether the bytes before it
    /// were flushed or not and on either schedule (on the thread pool the body waits for the response's end, where the
    /// mistake was found, far from the write, without the app seeing it). What the client then gets differs on purpose:
    /// nothing was sent, so Micro answers 500 where Kestrel sends the head and cuts the connection.
    /// </summary>
    [Theory]
    [OnEveryServer]
    public async Task A_write_past_the_declared_length_throws_where_it_is_written(ServerKind server)
    {
        var refusals = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            Map(web);
            web.MapGet("/past-length/{flushFirst:bool}", async (bool flushFirst, HttpResponse response) =>
            {
                response.ContentLength = 5;
                await response.WriteAsync("123");
                if (flushFirst)
                {
                    await response.Body.FlushAsync();
                }
                var refused = await Record.ExceptionAsync(() => response.WriteAsync("456"));
                refusals.Writer.TryWrite($"{refused?.GetType().Name}: {refused?.Message}");
            });
        });
        foreach (var flushFirst in new[] { false, true })
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync($"GET /past-length/{flushFirst} HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal("InvalidOperationException: Response Content-Length mismatch: too many bytes written (6 of 5).",
                await refusals.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.Equal("plain", await app.Client.GetStringAsync("/plain"));
        await app.AssertServesNewConnectionsAsync(); // the connections the mistakes ended left every reactor serving
    }

    [Theory]
    [OnEveryServer]
    public async Task A_body_shorter_than_its_declared_length_cuts_the_connection_and_is_logged(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
            // The head and the five bytes may have gone (as on Kestrel): the connection is cut before the declared ten.
            var cut = await Assert.ThrowsAsync<IOException>(() => client.ReadResponseAsync());
            Assert.Contains("5 of 10", cut.Message, StringComparison.Ordinal);
        }
        Assert.Contains(app.Log.Entries, entry => entry.Exception?.Message.Contains("Content-Length mismatch", StringComparison.Ordinal) == true);
        Assert.Equal("plain", await app.Client.GetStringAsync("/plain"));
    }

    [Theory]
    [OnEveryServer]
    public async Task The_apps_connection_close_is_honoured_after_its_response(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /close HTTP/1.1\r\nHost: x\r\n\r\n");
        var closing = await client.ReadResponseAsync();
        Assert.Equal("closing", closing.Body);
        Assert.Equal("close", closing.Headers["connection"]);
        Assert.True(await client.IsClosedByServerAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task A_pipeline_deeper_than_the_server_takes_at_once_is_answered_in_order_and_one_abandoned_lets_the_server_go_on(ServerKind server)
    {
        // 300 requests in one write, past the 128 a connection takes before it stops reading (the rest read as the
        // answers go), answers that come at once and ones that wait, in turn; then a client that sends a pipeline and
        // resets before reading any of it; then a new connection.
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/now/{n}", (int n) => $"now {n}");
            web.MapGet("/later/{n}", async (int n) =>
            {
                await Task.Yield();
                return $"later {n}";
            });
        });
        string Path(int i) => i % 2 == 0 ? $"/now/{i}" : $"/later/{i}";
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync(string.Concat(Enumerable.Range(0, 300).Select(i => $"GET {Path(i)} HTTP/1.1\r\nHost: x\r\n\r\n")));
            for (var i = 0; i < 300; i++)
            {
                Assert.Equal(Path(i).Replace('/', ' ').Trim(), (await client.ReadResponseAsync()).Body);
            }
        }
        var abandoned = await RawHttpClient.ConnectAsync(app.Address);
        await abandoned.SendAsync(string.Concat(Enumerable.Range(0, 64).Select(i => $"GET {Path(i)} HTTP/1.1\r\nHost: x\r\n\r\n")));
        abandoned.Reset(); // nothing read
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task Large_and_small_answers_in_one_pipeline_arrive_whole_and_in_order(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(string.Concat(Enumerable.Repeat("GET /plain HTTP/1.1\r\nHost: x\r\n\r\nGET /large HTTP/1.1\r\nHost: x\r\n\r\n", 4)));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal("plain", (await client.ReadResponseAsync()).Body);
            Assert.Equal(100_000, (await client.ReadResponseAsync()).Body.Length);
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Answers_of_every_shape_in_one_pipeline_keep_their_framing(ServerKind server)
    {
        // Answers the thread pool packs whole and the reactor frames in one go: the app's own headers and Server, no
        // body, bodies a status forbids, HEAD; each must end where the next begins.
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapMethods("/plain", ["GET", "HEAD"], () => "plain");
            web.MapGet("/status/{code:int}", (int code) => Results.StatusCode(code));
            web.MapGet("/own", (HttpResponse response) =>
            {
                response.Headers["X-Own"] = "yes";
                response.Headers.Server = "mine";
                return "own";
            });
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        string Get(string path, string method = "GET") => $"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n";
        await client.SendAsync(Get("/own") + Get("/status/204") + Get("/status/200") + Get("/plain", "HEAD") + Get("/status/304") + Get("/plain"));

        var own = await client.ReadResponseAsync();
        Assert.Equal((200, "own", "yes", "mine"), (own.Status, own.Body, own.Headers["x-own"], own.Headers["server"])); // framed by length or chunks (docs/aspnetcore.md)
        var noContent = await client.ReadResponseAsync();
        Assert.Equal((204, ""), (noContent.Status, noContent.Body));
        Assert.DoesNotContain("content-length", noContent.Headers.Keys);
        var empty = await client.ReadResponseAsync();
        Assert.Equal((200, "", "0"), (empty.Status, empty.Body, empty.Headers["content-length"]));
        Assert.Equal(200, await client.ReadHeadAsync()); // HEAD: a head only, so the next response starts right after it
        var notModified = await client.ReadResponseAsync();
        Assert.Equal((304, ""), (notModified.Status, notModified.Body));
        Assert.DoesNotContain("content-length", notModified.Headers.Keys);
        var plain = await client.ReadResponseAsync();
        Assert.Equal((200, "plain"), (plain.Status, plain.Body));
        await app.AssertServesNewConnectionsAsync();
    }
}
