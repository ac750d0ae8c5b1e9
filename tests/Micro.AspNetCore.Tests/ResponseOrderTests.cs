namespace Micro.AspNetCore.Tests;

/// <summary>
/// What a request hands the reactor reaches it in the order the request did it, however its parts are scheduled: on
/// Micro's thread pool, a pipeline's requests run one after another on their connection's lane, and the work of a
/// request's first part waits for the end of the lane's pass, while a later part of the same request, resumed on
/// another thread, may end before that pass does.
/// </summary>
public sealed class ResponseOrderTests
{
    [Theory]
    [InlineData(nameof(ServerKind.Kestrel))]
    [InlineData(nameof(ServerKind.Micro))]
    public async Task A_flush_in_a_requests_first_part_is_not_overtaken_by_its_end_on_another_thread(string serverName)
    {
        using var firstDone = new ManualResetEventSlim();
        await using var app = await ServedApp.StartAsync(Enum.Parse<ServerKind>(serverName), web =>
        {
            web.MapGet("/flush-then-resume", async (HttpResponse response) =>
            {
                response.OnCompleted(() =>
                {
                    firstDone.Set(); // the response is handed over: the request behind it on the lane may go on
                    return Task.CompletedTask;
                });
                await response.WriteAsync("hello ");
                await response.Body.FlushAsync();
                await Task.Yield(); // the rest runs on another thread, while the lane is still in its pass
                await response.WriteAsync("world");
            });
            // Synchronous on purpose: it holds the lane (on Micro's thread pool) until the request ahead has ended.
            web.MapGet("/after", () => firstDone.Wait(TimeSpan.FromSeconds(20)) ? "after" : "the first request never ended");
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /flush-then-resume HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
        var first = await client.ReadResponseAsync();
        Assert.Equal(200, first.Status);
        Assert.Equal("hello world", first.Body);
        Assert.Equal("after", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task A_file_sent_after_a_flush_follows_the_flushed_bytes(ServerKind server)
    {
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "from the file");
        try
        {
            await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/flush-then-file", async (HttpResponse response) =>
            {
                await response.WriteAsync("flushed, then ");
                await response.Body.FlushAsync();
                await response.SendFileAsync(path);
            }));
            Assert.Equal("flushed, then from the file", await app.Client.GetStringAsync("/flush-then-file"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task A_first_part_that_flushes_past_what_is_held_sends_everything_in_order(ServerKind server)
    {
        const int Chunks = 40, ChunkSize = 4096; // 160 KiB, flushed chunk by chunk: past the 64 KiB a first part holds
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/chunks", async (HttpResponse response) =>
        {
            for (var i = 0; i < Chunks; i++)
            {
                await response.Body.WriteAsync(Enumerable.Repeat((byte)('a' + (i % 26)), ChunkSize).ToArray());
                await response.Body.FlushAsync();
            }
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /chunks HTTP/1.1\r\nHost: x\r\n\r\nGET /chunks HTTP/1.1\r\nHost: x\r\n\r\n");
        var expected = string.Concat(Enumerable.Range(0, Chunks).Select(i => new string((char)('a' + (i % 26)), ChunkSize)));
        Assert.Equal(expected, (await client.ReadResponseAsync()).Body);
        Assert.Equal(expected, (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [InlineData(nameof(ServerKind.Kestrel))]
    [InlineData(nameof(ServerKind.Micro))] // inline, the blocking handler would hold the reactor that must see the client go
    public async Task Requests_queued_behind_one_whose_client_left_are_let_go_and_the_server_goes_on(string serverName)
    {
        var blocked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(Enum.Parse<ServerKind>(serverName), web =>
        {
            web.MapGet("/block", (HttpContext context) =>
            {
                blocked.TrySetResult();
                context.RequestAborted.WaitHandle.WaitOne(TimeSpan.FromSeconds(20)); // holds its lane until the client is gone
                return "unblocked";
            });
            web.MapGet("/after/{n:int}", async (int n, HttpResponse response) =>
            {
                await response.WriteAsync($"after {n}");
                await response.Body.FlushAsync();
            });
        });
        var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /block HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Range(0, 20).Select(n => $"GET /after/{n} HTTP/1.1\r\nHost: x\r\n\r\n")));
        await blocked.Task.WaitAsync(TimeSpan.FromSeconds(20));
        client.Reset();
        await app.AssertServesNewConnectionsAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal("after 7", await app.Client.GetStringAsync("/after/7"));
        }
        Assert.DoesNotContain(app.Log.Entries, entry => entry.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    [Theory]
    [InlineData(ServerKind.Kestrel, "/complete-early")]
    [InlineData(ServerKind.Micro, "/complete-early")]
    [InlineData(ServerKind.MicroInline, "/complete-early")]
    [InlineData(ServerKind.Kestrel, "/whole-file")]
    [InlineData(ServerKind.Micro, "/whole-file")]
    [InlineData(ServerKind.MicroInline, "/whole-file")]
    public async Task A_response_complete_before_its_app_returns_keeps_its_exchange_from_the_requests_behind_it(ServerKind server, string first)
    {
        // The response of the first request is complete (CompleteAsync, or a file sent whole) while its app goes on.
        // Its exchange was let go then, reset and handed to a request read after it; the app's end, when it came,
        // finished that other request's response as its own: answered 500 ("too few bytes written (0 of 10)").
        var path = Path.GetTempFileName();
        await File.WriteAllTextAsync(path, "0123456789");
        var firstMayReturn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldMayAnswer = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var heldStarted = 0;
        var allHeldStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await using var app = await ServedApp.StartAsync(server, web =>
            {
                web.MapGet("/complete-early", async (HttpResponse response) =>
                {
                    response.OnCompleted(() => { firstEnded.TrySetResult(); return Task.CompletedTask; });
                    response.ContentLength = 10;
                    await response.WriteAsync("0123456789");
                    await response.CompleteAsync();
                    await firstMayReturn.Task;
                });
                web.MapGet("/whole-file", async (HttpResponse response) =>
                {
                    response.OnCompleted(() => { firstEnded.TrySetResult(); return Task.CompletedTask; });
                    response.ContentLength = 10;
                    await response.SendFileAsync(path);
                    await firstMayReturn.Task;
                });
                web.MapGet("/quick", () => "quick");
                web.MapGet("/held/{n}", async (string n) =>
                {
                    if (Interlocked.Increment(ref heldStarted) == 3)
                    {
                        allHeldStarted.TrySetResult();
                    }
                    await heldMayAnswer.Task;
                    return "held " + n;
                });
            });
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync($"GET {first} HTTP/1.1\r\nHost: x\r\n\r\nGET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
            var complete = await client.ReadResponseAsync();
            Assert.Equal((200, "0123456789"), (complete.Status, complete.Body)); // sent before the app returns, on every server
            await client.SendAsync(string.Concat(Enumerable.Range(1, 3).Select(n => $"GET /held/{n} HTTP/1.1\r\nHost: x\r\n\r\n")));
            if (server != ServerKind.Kestrel)
            {
                await allHeldStarted.Task.WaitAsync(TimeSpan.FromSeconds(20)); // read, on exchanges of their own, while the first app runs (Kestrel runs them after it)
            }
            firstMayReturn.SetResult();
            await firstEnded.Task.WaitAsync(TimeSpan.FromSeconds(20));
            heldMayAnswer.SetResult();
            var answers = new List<(int, string)>();
            for (var i = 0; i < 4; i++)
            {
                var (status, _, body) = await client.ReadResponseAsync();
                answers.Add((status, body));
            }
            Assert.Equal([(200, "quick"), (200, "held 1"), (200, "held 2"), (200, "held 3")], answers);
            Assert.Empty(app.Log.Entries);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
