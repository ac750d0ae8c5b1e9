using Micro.Http;

namespace Micro.Tests.Http;

public sealed class PipeliningTests
{
    /// <summary>Answers "METHOD path body"; /delay/N answers after N ms, so requests behind it finish first.</summary>
    internal static ValueTask EchoHandler(HttpExchange exchange)
    {
        var path = Encoding.ASCII.GetString(exchange.Head.Path.Of(exchange.RequestBytes));
        if (path.StartsWith("/delay/", StringComparison.Ordinal))
        {
            return DelayedAsync(exchange, path, int.Parse(path["/delay/".Length..]));
        }
        Answer(exchange, path);
        return default;
    }

    private static void Answer(HttpExchange exchange, string path)
    {
        var method = Encoding.ASCII.GetString(exchange.Head.MethodRange.Of(exchange.RequestBytes));
        var answer = $"{method} {path} {Encoding.Latin1.GetString(exchange.Body)}";
        exchange.Respond(200, "text/plain"u8, Encoding.Latin1.GetBytes(answer));
    }

    private static async ValueTask DelayedAsync(HttpExchange exchange, string path, int milliseconds)
    {
        await Task.Delay(milliseconds);
        Answer(exchange, path);
    }

    private static (string Request, string Expected)[] MixedRequests(int count)
    {
        var requests = new (string, string)[count];
        for (var i = 0; i < count; i++)
        {
            requests[i] = (i % 4) switch
            {
                0 => ($"GET /get/{i} HTTP/1.1\r\nHost: x\r\n\r\n", $"GET /get/{i} "),
                1 => ($"POST /post/{i} HTTP/1.1\r\nHost: x\r\nContent-Length: {i.ToString().Length + 5}\r\n\r\nbody-{i}", $"POST /post/{i} body-{i}"),
                2 => ($"PUT /chunked/{i} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n{i.ToString().Length:x}\r\n{i}\r\n0\r\n\r\n", $"PUT /chunked/{i} abc{i}"),
                _ => ($"DELETE /delete/{i}?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", $"DELETE /delete/{i} "),
            };
        }
        return requests;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    [InlineData(100)]
    public async Task Requests_pipelined_in_one_send_are_answered_in_order(int count)
    {
        await using var server = new TestServer(EchoHandler);
        await using var client = await server.ConnectAsync();
        var requests = MixedRequests(count);
        await client.SendAsync(string.Concat(requests.Select(r => r.Request)));
        var responses = await client.ReadResponsesAsync(count);
        Assert.Equal(requests.Select(r => r.Expected), responses.Select(r => r.Body));
    }

    [Fact]
    public async Task A_pipeline_split_at_every_byte_is_answered_the_same()
    {
        await using var server = new TestServer(EchoHandler);
        var requests = MixedRequests(8);
        var bytes = Encoding.Latin1.GetBytes(string.Concat(requests.Select(r => r.Request)));
        for (var split = 1; split < bytes.Length; split++)
        {
            await using var client = await server.ConnectAsync();
            await client.SendAsync(bytes[..split]);
            await client.SendAsync(bytes[split..]);
            var responses = await client.ReadResponsesAsync(requests.Length);
            Assert.Equal(requests.Select(r => r.Expected), responses.Select(r => r.Body));
        }
    }

    [Fact]
    public async Task A_pipeline_sent_in_random_pieces_is_answered_the_same()
    {
        await using var server = new TestServer(EchoHandler);
        var random = new Random(7);
        var requests = MixedRequests(64);
        var bytes = Encoding.Latin1.GetBytes(string.Concat(requests.Select(r => r.Request)));
        for (var round = 0; round < 20; round++)
        {
            await using var client = await server.ConnectAsync();
            var offset = 0;
            while (offset < bytes.Length)
            {
                var length = Math.Min(random.Next(1, 200), bytes.Length - offset);
                await client.SendAsync(bytes[offset..(offset + length)]);
                offset += length;
            }
            var responses = await client.ReadResponsesAsync(requests.Length);
            Assert.Equal(requests.Select(r => r.Expected), responses.Select(r => r.Body));
        }
    }

    [Fact]
    public async Task Async_handlers_finishing_out_of_order_still_answer_in_order()
    {
        await using var server = new TestServer(EchoHandler);
        await using var client = await server.ConnectAsync();
        string[] paths = ["/delay/80", "/fast/1", "/delay/40", "/delay/1", "/fast/2", "/delay/20", "/fast/3"];
        await client.SendAsync(string.Concat(paths.Select(p => $"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n")));
        var responses = await client.ReadResponsesAsync(paths.Length);
        Assert.Equal(paths.Select(p => $"GET {p} "), responses.Select(r => r.Body));
    }

    [Fact]
    public async Task An_async_response_ahead_of_a_closing_request_is_sent_before_it()
    {
        await using var server = new TestServer(EchoHandler);
        var text = await server.SendAndReadToEndAsync(
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /delay/50 HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\nHost: x\r\n\r\n");
        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _);
        Assert.Equal(["GET /a ", "GET /delay/50 ", "GET /c "], responses.Select(r => r.Body));
        Assert.Equal("close", responses[2].Headers["Connection"]);
    }

    [Fact]
    public async Task A_thousand_connections_each_pipelining_are_all_answered()
    {
        await using var server = new TestServer(EchoHandler);
        var clients = await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => server.ConnectAsync()));
        try
        {
            var requests = MixedRequests(10);
            var pipeline = string.Concat(requests.Select(r => r.Request));
            await Task.WhenAll(clients.Select(client => client.SendAsync(pipeline)));
            List<RawResponse>[] all;
            try
            {
                all = await Task.WhenAll(clients.Select(client => client.ReadResponsesAsync(requests.Length)));
            }
            catch (IOException exception)
            {
                throw new IOException($"{exception.Message}; server errors: {string.Join("\n", server.Errors.Take(3))}", exception);
            }
            foreach (var responses in all)
            {
                Assert.True(responses[0].Status == 200, string.Join("\n", server.Errors.Take(3)));
                Assert.Equal(requests.Select(r => r.Expected), responses.Select(r => r.Body));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
    }
}
