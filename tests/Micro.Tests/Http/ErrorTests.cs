using Micro.Http;

namespace Micro.Tests.Http;

public sealed class ErrorTests
{
    private static ValueTask Handler(HttpExchange exchange)
    {
        var path = Encoding.ASCII.GetString(exchange.Head.Path.Of(exchange.RequestBytes));
        if (path == "/throw")
        {
            throw new InvalidOperationException("handler bug");
        }
        if (path == "/throw-async")
        {
            return ThrowAsync();
        }
        exchange.Respond(200, "text/plain"u8, Encoding.ASCII.GetBytes(path));
        return default;
    }

    private static async ValueTask ThrowAsync()
    {
        await Task.Yield();
        throw new InvalidOperationException("async handler bug");
    }

    public static TheoryData<string, int> Malformed() => new()
    {
        { "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello", 400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501 },
        { "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", 400 },
        { "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 400 },
        { "GET / HTTP/1.1\nHost: x\n\n", 400 },
        { "GET / HTTP/1.1\r\n\r\n", 400 },
        { "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505 },
        { "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414 },
        { "GET / HTTP/1.1\r\nHost: x\r\nX: " + new string('v', 40_000) + "\r\n\r\n", 431 },
        { "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 40000000\r\n\r\n", 413 },
        { "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
        { "POST / HTTP/1.1\r\nHost: x\r\nExpect: something\r\n\r\n", 417 },
        { "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000", 400 },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task Malformed_requests_get_their_status_a_closed_connection_and_the_server_lives_on(string request, int status)
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync(request);
        var response = Assert.Single(RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _));
        Assert.Equal(status, response.Status);
        Assert.Equal("close", response.Headers["Connection"]);

        await using var fresh = await server.ConnectAsync();
        await fresh.SendAsync("GET /alive HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("/alive", (await fresh.ReadResponsesAsync(1))[0].Body);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task A_bad_request_in_a_pipeline_is_answered_after_the_good_ones_before_it()
    {
        await using var server = new TestServer(Handler);
        var text = await server.SendAndReadToEndAsync(
            "GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\nGET /bad HTTP/1.1\r\nHost : x\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _);
        Assert.Equal([200, 200, 400], responses.Select(r => r.Status));
        Assert.Equal(["/one", "/two", ""], responses.Select(r => r.Body));
    }

    [Theory]
    [InlineData("/throw")]
    [InlineData("/throw-async")]
    public async Task A_handler_exception_gets_500_is_logged_and_the_connection_survives(string path)
    {
        await using var server = new TestServer(Handler);
        await using var client = await server.ConnectAsync();
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = await client.ReadResponsesAsync(2);
        Assert.Equal(500, responses[0].Status);
        Assert.Equal("/after", responses[1].Body);
        Assert.Contains(server.Errors, error => error.Contains("handler bug"));
    }
}
