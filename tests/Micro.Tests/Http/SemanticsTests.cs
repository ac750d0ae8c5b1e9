using System.Security.Cryptography;
using Micro.Http;

namespace Micro.Tests.Http;

public sealed class SemanticsTests
{
    private static ValueTask Handler(HttpExchange exchange)
    {
        var path = Encoding.ASCII.GetString(exchange.Head.Path.Of(exchange.RequestBytes));
        switch (path)
        {
            case "/hash":
                var hash = Convert.ToHexString(SHA256.HashData(exchange.Body));
                exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes($"{exchange.Body.Length}:{hash}"));
                return default;
            case "/stream":
                return StreamAsync(exchange);
            case "/headers":
                exchange.AddHeader("X-Custom", "yes");
                exchange.Write("buffered body");
                return default;
            case "/no-content":
                exchange.StatusCode = 204;
                return default;
            case "/head-only":
                return default; // a handler that writes nothing for a HEAD: it told no length
            case "/empty":
                exchange.Respond(200, "text/plain"u8, default); // an empty body, said as such: 0 is the GET's length
                return default;
            default:
                exchange.Respond(200, "text/plain"u8, "hello"u8);
                return default;
        }
    }

    private static async ValueTask StreamAsync(HttpExchange exchange)
    {
        for (var i = 0; i < 3; i++)
        {
            await exchange.WriteAsync(Encoding.ASCII.GetBytes($"part{i};"));
            await Task.Yield();
        }
    }

    [Fact]
    public async Task Http11_keeps_the_connection_alive_by_default()
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        for (var i = 0; i < 3; i++)
        {
            await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
            var response = (await client.ReadResponsesAsync(1))[0];
            Assert.Equal("hello", response.Body);
            Assert.False(response.Headers.ContainsKey("Connection"));
        }
    }

    [Fact]
    public async Task Connection_close_is_honoured_after_the_response()
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var response = Assert.Single(RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _));
        Assert.Equal("close", response.Headers["Connection"]);
        Assert.Equal("hello", response.Body);
    }

    [Fact]
    public async Task Http10_closes_unless_it_asks_for_keep_alive()
    {
        await using var server = new TestServer(Handler);
        var closed = await server.SendAndReadToEndAsync("GET / HTTP/1.0\r\n\r\n");
        Assert.Contains("Connection: close\r\n", closed);

        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var first = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal("keep-alive", first.Headers["Connection"]);
        await client.SendAsync("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        Assert.Equal("hello", (await client.ReadResponsesAsync(1))[0].Body);
    }

    [Fact]
    public async Task Http10_streaming_responses_are_delimited_by_closing()
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync("GET /stream HTTP/1.0\r\n\r\n");
        Assert.DoesNotContain("Transfer-Encoding", text);
        Assert.EndsWith("\r\n\r\npart0;part1;part2;", text);
    }

    [Fact]
    public async Task Head_answers_with_the_headers_of_get_and_no_body()
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", text);
        var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        Assert.Contains("Content-Length: 5", head);
        // the GET's response follows the HEAD's headers directly: the HEAD sent no body
        Assert.StartsWith("HTTP/1.1 200 OK", text[(head.Length + 4)..]);
        Assert.EndsWith("\r\n\r\nhello", text);
    }

    [Fact]
    public async Task A_head_whose_handler_wrote_nothing_tells_no_length_and_an_empty_body_tells_zero()
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync("HEAD /head-only HTTP/1.1\r\nHost: x\r\n\r\nHEAD /empty HTTP/1.1\r\nHost: x\r\n\r\n" +
            "HEAD /head-only HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        var heads = text.Split("\r\n\r\n");
        // RFC 9110 section 8.6: a HEAD's Content-Length must be its GET's; nothing told it, so none (0 could be false).
        Assert.DoesNotContain("Content-Length", heads[0]);
        Assert.DoesNotContain("Transfer-Encoding", heads[0]);
        Assert.Contains("Content-Length: 0", heads[1]);
        Assert.DoesNotContain("Content-Length", heads[2]); // HTTP/1.0: and no close for want of a length
        Assert.Contains("Connection: keep-alive", heads[2]);
        Assert.EndsWith("hello", text); // every answer on the one connection
    }

    [Fact]
    public async Task Expect_100_continue_gets_100_before_the_body_is_sent()
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        var interim = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal(100, interim.Status);
        await client.SendAsync("abc");
        var final = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal($"3:{Convert.ToHexString(SHA256.HashData("abc"u8))}", final.Body);
    }

    [Fact]
    public async Task Expect_100_continue_for_a_streamed_body_is_answered_when_the_handler_reads_and_not_when_it_refuses()
    {
        await using var server = new TestServer(static async exchange =>
        {
            if (exchange.Head.Path.Of(exchange.RequestBytes).SequenceEqual("/refuse"u8))
            {
                exchange.Respond(401, "text/plain"u8, "no"u8); // answered without reading: no body asked for
                return;
            }
            var (total, buffer) = (0, new byte[4096]);
            int read;
            while ((read = await exchange.ReadBodyAsync(buffer)) > 0)
            {
                total += read;
            }
            exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes(total.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }, options => options.StreamRequestBody = static (_, _) => true);
        await using var refused = await server.ConnectAsync();
        await refused.SendAsync("POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(401, (await refused.ReadResponsesAsync(1))[0].Status);
        await using var read = await server.ConnectAsync();
        await read.SendAsync("POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(100, (await read.ReadResponsesAsync(1))[0].Status);
        await read.SendAsync("abc");
        Assert.Equal("3", (await read.ReadResponsesAsync(1))[0].Body);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(70_000)]
    [InlineData(5 * 1024 * 1024)]
    public async Task Content_length_bodies_arrive_whole(int size)
    {
        await using var server = new TestServer(Handler);
        var body = new byte[size];
        new Random(size).NextBytes(body);
        await using var client = await server.ConnectAsync();
        await client.SendAsync(Encoding.ASCII.GetBytes($"POST /hash HTTP/1.1\r\nHost: x\r\nContent-Length: {size}\r\n\r\n").Concat(body).ToArray());
        var response = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal($"{size}:{Convert.ToHexString(SHA256.HashData(body))}", response.Body);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    [InlineData(4 * 1024 * 1024)]
    public async Task Chunked_bodies_arrive_decoded(int size)
    {
        await using var server = new TestServer(Handler);
        var body = new byte[size];
        new Random(size).NextBytes(body);
        var encoded = new List<byte>(Encoding.ASCII.GetBytes("POST /hash HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
        for (var offset = 0; offset < size; offset += 30_000)
        {
            var length = Math.Min(30_000, size - offset);
            encoded.AddRange(Encoding.ASCII.GetBytes($"{length:x};ext=1\r\n"));
            encoded.AddRange(body.AsSpan(offset, length));
            encoded.AddRange("\r\n"u8);
        }
        encoded.AddRange("0\r\nX-Trailer: t\r\n\r\n"u8);
        await using var client = await server.ConnectAsync();
        await client.SendAsync([.. encoded]);
        var response = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal($"{size}:{Convert.ToHexString(SHA256.HashData(body))}", response.Body);
    }

    [Fact]
    public async Task Every_response_carries_server_and_date()
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var response = (await client.ReadResponsesAsync(1))[0];
        Assert.Equal("Micro", response.Headers["Server"]);
        Assert.True(DateTimeOffset.TryParse(response.Headers["Date"], out _));
    }

    [Fact]
    public async Task Buffered_responses_get_a_content_length_and_custom_headers()
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET /headers HTTP/1.1\r\nHost: x\r\n\r\nGET /no-content HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2);
        var seen = string.Join(" | ", responses.Select(r => $"{r.Status} [{string.Join(", ", r.Headers)}] '{r.Body}'")) + " errors: " + string.Join("; ", server.Errors);
        Assert.True(responses[0].Headers.TryGetValue("X-Custom", out var custom) && custom == "yes", seen);
        Assert.True(responses[0].Headers.TryGetValue("Content-Length", out var length) && length == "13", seen);
        Assert.True(responses[0].Body == "buffered body", seen);
        Assert.True(responses[1].Status == 204 && !responses[1].Headers.ContainsKey("Content-Length"), seen);
    }

    [Fact]
    public async Task Streamed_responses_are_chunked()
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2);
        Assert.Equal("chunked", responses[0].Headers["Transfer-Encoding"]);
        Assert.Equal("part0;part1;part2;", responses[0].Body);
        Assert.Equal("hello", responses[1].Body);
    }
}
