namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9, defect 4: a few KB of pipelined requests behind a slow one must not make the server produce and hold
/// megabytes. Measured on the GC heap, so these run alone (the allocation collection is not parallel).
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed class AmplificationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly string Pipeline =
        "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Repeat("GET /stream/5000 HTTP/1.1\r\nHost: x\r\n\r\n", 127));

    /// <summary>What docs/server.md promises one such connection can make the server hold, and then some.</summary>
    private const long CeilingPerConnection = 256 * 1024;

    [Fact]
    public async Task A_thousand_connections_pipelining_behind_a_slow_request_hold_a_bounded_amount_each()
    {
        const int connections = 1000;
        await using var issue = new IssueApp();
        var url = issue.Start();
        var clients = new List<RawClient>();
        try
        {
            var before = HeapBytes();
            for (var i = 0; i < connections; i++)
            {
                var client = await TestApp.ConnectAsync(url);
                await client.SendAsync(Pipeline);
                clients.Add(client);
            }
            // Each connection runs its slow handler and one streaming handler, which waits for its turn once the
            // connection holds MaxResponseBufferSize; no further handler runs.
            await issue.SlowStarted.WhenAtLeast(connections, Deadline);
            await issue.StreamsWaiting.WhenAtLeast(connections, Deadline);
            var grown = HeapBytes() - before;
            output.WriteLine($"{connections} connections, each a slow request and 127 pipelined /stream/5000: the heap grew by {grown / (1024 * 1024)} MiB, {grown / connections} bytes each");
            Assert.True(grown < connections * CeilingPerConnection,
                $"the heap grew by {grown / (1024 * 1024)} MiB for {connections} connections ({grown / connections} bytes each)");
            Assert.Equal(connections, issue.StreamsStarted);

            foreach (var client in clients)
            {
                // A reset, which the server notices in any state. (A FIN is a half-close: the client is still
                // answered, so the slow handlers would run to their end first.)
                client.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                await client.DisposeAsync();
            }
            await issue.Aborted.WhenAtLeast(connections, Deadline);
            await issue.AssertAllClosedAndServingAsync();
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
            await issue.App.StopAsync();
        }
    }

    [Fact]
    public async Task Responses_held_back_behind_a_slow_request_all_arrive_in_order_once_it_finishes()
    {
        var issue = new IssueApp();
        var url = issue.Start();
        var clients = new List<RawClient>();
        for (var i = 0; i < 3; i++)
        {
            var client = await TestApp.ConnectAsync(url);
            await client.SendAsync(Pipeline);
            clients.Add(client);
        }
        await issue.StreamsWaiting.WhenAtLeast(3, Deadline);
        issue.OpenGate();
        var expected = new StringBuilder();
        for (var i = 0; i < 5000; i++)
        {
            expected.Append("chunk ").Append(i).Append('\n');
        }
        foreach (var client in clients)
        {
            var responses = await client.ReadResponsesAsync(128);
            Assert.Equal("slow done", responses[0].Body);
            Assert.All(responses.Skip(1), response => Assert.Equal(expected.ToString(), response.Body));
            await client.DisposeAsync();
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(issue.Server);
    }

    private static long HeapBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
