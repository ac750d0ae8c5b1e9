using System.Buffers;

namespace Micro.AspNetCore.Tests;

/// <summary>Flushed responses, pipelining, the client going away and the app aborting: the same on every server.</summary>
public sealed class StreamingAndLifetimeTests
{
    [Theory]
    [OnEveryServer]
    public async Task A_flush_reaches_the_client_before_the_app_writes_more(ServerKind server)
    {
        var firstRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/stream", async (HttpResponse response) =>
        {
            await response.WriteAsync("first");
            await response.Body.FlushAsync();
            await firstRead.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the client has the first part before the second is written
            await response.WriteAsync("second");
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, await client.ReadHeadAsync());
        Assert.Equal("first", await client.ReadChunkAsync());
        firstRead.SetResult();
        Assert.Equal("second", await client.ReadChunkAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Completing_the_response_sends_it_whole_while_the_app_goes_on(ServerKind server)
    {
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var afterEnd = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/ack/{mode}", async (string mode, HttpResponse response) =>
            {
                response.OnStarting(() =>
                {
                    response.Headers["X-Started"] = "yes";
                    return Task.CompletedTask;
                });
                await response.WriteAsync("accepted");
                if (mode == "flushed")
                {
                    await response.Body.FlushAsync();
                }
                switch (mode)
                {
                    case "writer":
                        await response.BodyWriter.CompleteAsync(); // the body's end is the response's, as on Kestrel
                        break;
                    case "writer-sync":
                        response.BodyWriter.Complete();
                        break;
                    default:
                        await response.CompleteAsync();
                        break;
                }
                await response.CompleteAsync(); // twice is once
                try
                {
                    await response.WriteAsync("too late");
                    afterEnd.TrySetResult("written");
                }
                catch (InvalidOperationException)
                {
                    afterEnd.TrySetResult("refused");
                }
                await answered.Task.WaitAsync(TimeSpan.FromSeconds(20)); // the slow work an early answer is for
            });
            web.MapGet("/next", () => "next");
        });
        foreach (var mode in new[] { "whole", "flushed", "writer", "writer-sync" })
        {
            await using var client = await RawHttpClient.ConnectAsync(app.Address);
            await client.SendAsync($"GET /ack/{mode} HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
            // The whole response while the app still works: its body's end (a length, or the last chunk) has come.
            var (status, headers, body) = await client.ReadResponseAsync();
            Assert.Equal((200, "accepted", "yes"), (status, body, headers["x-started"]));
            Assert.Equal("refused", await afterEnd.Task.WaitAsync(TimeSpan.FromSeconds(20)));
            answered.SetResult();
            Assert.Equal("next", (await client.ReadResponseAsync()).Body); // the request behind, once the app returned
            (answered, afterEnd) = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Pipelined_requests_are_answered_in_order_even_when_the_first_is_slowest(ServerKind server)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/slow", async () =>
            {
                await release.Task.WaitAsync(TimeSpan.FromSeconds(20));
                return "slow";
            });
            web.MapGet("/fast/{n}", (string n) =>
            {
                secondArrived.TrySetResult();
                return "fast " + n;
            });
        });
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /fast/2 HTTP/1.1\r\nHost: x\r\n\r\n");
        if (server != ServerKind.Kestrel)
        {
            await secondArrived.Task.WaitAsync(TimeSpan.FromSeconds(20)); // Micro runs pipelined requests at once; Kestrel one after another
        }
        release.SetResult();
        Assert.Equal("slow", (await client.ReadResponseAsync()).Body);
        Assert.Equal("fast 1", (await client.ReadResponseAsync()).Body);
        Assert.Equal("fast 2", (await client.ReadResponseAsync()).Body);
    }

    [Theory]
    [OnEveryServer]
    public async Task RequestAborted_fires_when_the_client_goes_away(ServerKind server)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/wait", async (HttpContext context) =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            started.SetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }));
        var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        client.Reset();
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task RequestAborted_fires_when_the_client_closes_its_side_with_nothing_to_read(ServerKind server)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var aborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/work", async (HttpContext context) =>
        {
            context.RequestAborted.Register(() => aborted.TrySetResult());
            started.SetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted); // slow work the client no longer waits for
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /work HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(TimeSpan.FromSeconds(20));
        client.ShutdownSending(); // a browser that navigated away closes its socket: a FIN, not a reset
        await aborted.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(await client.IsClosedByServerAsync());
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task Writes_after_the_client_left_do_not_throw_and_the_flush_says_so(ServerKind server)
    {
        var clientLeft = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/forever", async (HttpContext context) =>
        {
            try
            {
                await context.Response.WriteAsync("first");
                await context.Response.Body.FlushAsync();
                await clientLeft.Task.WaitAsync(TimeSpan.FromSeconds(20));
                var chunk = new byte[16 * 1024];
                for (var i = 0; i < 100_000; i++)
                {
                    context.Response.BodyWriter.Write(chunk);
                    var result = await context.Response.BodyWriter.FlushAsync();
                    if (result.IsCompleted || context.RequestAborted.IsCancellationRequested)
                    {
                        ended.TrySetResult("stopped");
                        return;
                    }
                }
                ended.TrySetResult("wrote everything");
            }
            catch (Exception exception)
            {
                ended.TrySetResult(exception.GetType().Name);
            }
        }));
        var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, await client.ReadHeadAsync());
        Assert.Equal("first", await client.ReadChunkAsync());
        client.Reset();
        clientLeft.SetResult();
        Assert.Equal("stopped", await ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [OnEveryServer]
    public async Task HttpContext_Abort_cuts_the_connection(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/abort", (HttpContext context) => context.Abort()));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("GET /abort HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.True(await client.IsClosedByServerAsync());
        await Assert.ThrowsAsync<HttpRequestException>(() => app.Client.GetAsync("/abort"));
        await app.AssertServesNewConnectionsAsync();
    }

    /// <summary>
    /// HttpContext.Abort from another thread while the app writes and flushes (a timeout of the app's own, a
    /// supervisor): three hundred requests, each aborted at a random moment within its first milliseconds. Every one
    /// ends (answered or cut) within its deadline, nothing is logged as the app's or the server's failure, and every
    /// reactor serves afterwards.
    /// </summary>
    [Theory]
    [OnEveryServer]
    public async Task HttpContext_Abort_from_another_thread_mid_write_ends_every_request_cleanly(ServerKind server)
    {
        var chunk = new byte[8192];
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/aborted-after/{delay:int}", async (int delay, HttpContext context) =>
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(delay); // the hostile moment under test, not a wait for the server
                context.Abort();
            });
            try
            {
                for (var i = 0; i < 200 && !context.RequestAborted.IsCancellationRequested; i++)
                {
                    await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
                    if (i % 3 == 0)
                    {
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                    }
                }
            }
            catch (Exception ended) when (ended is OperationCanceledException or IOException)
            {
                // The abort reached the write: what the app should see.
            }
        }));
        var random = new Random(26);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var requests = Enumerable.Range(0, 300).Select(_ => random.Next(0, 5)).Select(async delay =>
        {
            try
            {
                using var response = await client.GetAsync(new Uri(app.Address, $"/aborted-after/{delay}"));
                await response.Content.ReadAsByteArrayAsync();
            }
            catch (HttpRequestException)
            {
                // cut: as it should be, once the abort came before the end
            }
        });
        await Task.WhenAll(requests); // a request that hung would fail here, at the client's timeout
        Assert.Empty(app.Log.Entries.Where(entry => entry.Level >= LogLevel.Warning).Select(entry => $"{entry.Message} {entry.Exception}"));
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task A_declared_body_past_the_limit_reserves_nothing_and_is_refused(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapPost("/upload", async (HttpRequest request) =>
        {
            var buffer = new byte[4096];
            while (await request.Body.ReadAsync(buffer) > 0)
            {
            }
            return "read";
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\nabc");
        var (status, headers, _) = await client.ReadResponseAsync();
        Assert.Equal((int)HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("close", headers.GetValueOrDefault("connection"));
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task An_app_that_writes_less_than_it_declared_gets_a_500_before_the_start_and_a_cut_connection_after(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.MapGet("/short", async (HttpResponse response) =>
            {
                response.ContentLength = 10;
                await response.Body.WriteAsync("12345"u8.ToArray()); // flushed: the head with 10 has gone
            });
            web.MapGet("/short-buffered", (HttpResponse response) =>
            {
                response.ContentLength = 10;
                response.BodyWriter.Write("12345"u8);
                return Task.CompletedTask;
            });
        });
        await using (var client = await RawHttpClient.ConnectAsync(app.Address))
        {
            await client.SendAsync("GET /short HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, await client.ReadHeadAsync());
            Assert.True(await client.IsClosedByServerAsync());
        }
        var buffered = await app.Client.GetAsync("/short-buffered");
        Assert.Equal(HttpStatusCode.InternalServerError, buffered.StatusCode);
    }
}
