namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9, defect 8: declaring a large body reserves nothing; the buffer grows with the bytes that arrive.
/// Counts process-wide allocations, so it runs alone (the allocation collection is not parallel).
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed class DeclaredBodyTests
{
    [Fact]
    public async Task Connections_that_declare_30_MB_and_send_one_byte_cost_kilobytes_not_megabytes()
    {
        const int connections = 40;
        await using var server = new TestServer(static exchange =>
        {
            exchange.Respond(200, "text/plain"u8, "ok"u8);
            return default;
        }, o =>
        {
            // The body-rate timeout answers each with 408 after a second: by then the server has taken the byte.
            o.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(1);
            o.MinRequestBodyDataRate = 1_000_000;
        });
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            var text = await server.SendAndReadToEndAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 30000000\r\n\r\nx");
            Assert.StartsWith("HTTP/1.1 408 ", text);
        }));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        // Reserving the declared size would allocate 40 x 32 MiB = 1.25 GiB.
        Assert.True(allocated < 64L * 1024 * 1024, $"{allocated / 1024} KiB allocated for {connections} connections");
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task A_buffered_body_larger_than_an_array_gets_413_even_when_the_limit_allows_it()
    {
        await using var server = new TestServer(static exchange =>
        {
            exchange.Respond(200, "text/plain"u8, "ok"u8);
            return default;
        }, o => o.MaxRequestBodySize = long.MaxValue);
        var text = await server.SendAndReadToEndAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3000000000\r\n\r\nthe first bytes");
        Assert.StartsWith("HTTP/1.1 413 ", text);
        Assert.Empty(server.Errors);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }
}
