using Micro.Http;

namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 7: a refused upload must not return its exchange to the pool twice.</summary>
public sealed class ExchangePoolTests
{
    /// <summary>Answers with the request's own target, so a response given to the wrong request shows.</summary>
    private static ValueTask EchoTarget(HttpExchange exchange)
    {
        exchange.Respond(200, "text/plain"u8, exchange.Head.Target.Of(exchange.RequestBytes));
        return default;
    }

    [Theory]
    [InlineData("chunked past the limit")]
    [InlineData("chunked too slow")]
    public async Task A_refused_chunked_upload_leaves_the_exchange_pool_sound(string how)
    {
        await using var server = new TestServer(EchoTarget, o =>
        {
            o.ReactorCount = 1; // every connection shares one pool
            o.MaxRequestBodySize = 1000;
            o.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(1);
            o.MinRequestBodyDataRate = 1_000_000;
        });
        for (var i = 0; i < 3; i++)
        {
            var request = how == "chunked past the limit"
                ? "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" + new string('a', 0x800) + "\r\n"
                : "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
            var text = await server.SendAndReadToEndAsync(request);
            Assert.StartsWith(how == "chunked past the limit" ? "HTTP/1.1 413 " : "HTTP/1.1 408 ", text);
        }
        Assert.Equal(0, server.Server.DoubleReturnedExchanges);

        // Many clients at once, each checking that every answer is its own.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async client =>
        {
            await using var connection = await server.ConnectAsync();
            var pipeline = new StringBuilder();
            for (var r = 0; r < 50; r++)
            {
                pipeline.Append($"GET /c{client}/r{r} HTTP/1.1\r\nHost: x\r\n\r\n");
            }
            await connection.SendAsync(pipeline.ToString());
            var responses = await connection.ReadResponsesAsync(50);
            for (var r = 0; r < 50; r++)
            {
                Assert.Equal($"/c{client}/r{r}", responses[r].Body);
            }
        }));
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }
}
