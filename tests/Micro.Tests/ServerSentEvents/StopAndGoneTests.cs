using Micro.ServerSentEvents;

namespace Micro.Tests.ServerSentEvents;

/// <summary>
/// Issue 23, lifecycle: an event stream ends at the server's graceful stop (events.Closing) instead of holding it for
/// its whole timeout; app.Stopping ends a handler's long wait; a client that shuts its side while its response streams
/// has gone and is let go at once, while a half-closed client of an ordinary request is still answered.
/// </summary>
public sealed class StopAndGoneTests
{
    /// <summary>Far longer than any test's own deadline: a stop that ends before it was not waiting for it.</summary>
    private static readonly TimeSpan LongShutdownTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_event_stream_ends_cleanly_when_the_graceful_stop_begins()
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1, ShutdownTimeout = LongShutdownTimeout });
        app.Get("/feed", async (req, res) =>
        {
            var events = res.EventStream();
            var n = 0;
            try
            {
                while (!events.Closing.IsCancellationRequested)
                {
                    await events.SendEventAsync($"tick {n++}", cancellationToken: events.Closing);
                    await Task.Delay(TimeSpan.FromMilliseconds(20), events.Closing); // cancelled by the stop: ends the handler quietly
                }
            }
            finally
            {
                ended.TrySetResult();
            }
        });
        app.Listen(0);
        using var deadline = new CancellationTokenSource(Deadline);
        await using var client = await TestApp.ConnectAsync(new Uri($"http://{app.EndPoints[0]}"));
        await client.SendAsync("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n");
        var stream = new NetworkStream(client.Socket);
        var first = new byte[4096];
        Assert.True(await stream.ReadAsync(first, deadline.Token) > 0);

        await app.StopAsync(deadline.Token); // would wait out the five-minute timeout if the stream did not end
        var rest = await client.ReadToEndAsync();
        Assert.EndsWith("0\r\n\r\n", rest, StringComparison.Ordinal); // the chunked stream's proper end, then the close
        await ended.Task.WaitAsync(deadline.Token); // the handler's loop saw Closing and returned
    }

    [Fact]
    public async Task App_Stopping_ends_a_long_wait_and_the_request_is_told_the_server_is_stopping()
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1, ShutdownTimeout = LongShutdownTimeout });
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Get("/long-poll", async (req, res) =>
        {
            waiting.TrySetResult();
            await Task.Delay(Timeout.Infinite, app.Stopping);
            res.Send("never");
        });
        app.Listen(0);
        using var deadline = new CancellationTokenSource(Deadline);
        await using var client = await TestApp.ConnectAsync(new Uri($"http://{app.EndPoints[0]}"));
        await client.SendAsync("GET /long-poll HTTP/1.1\r\nHost: x\r\n\r\n");
        await waiting.Task.WaitAsync(deadline.Token);
        Assert.False(app.Stopping.IsCancellationRequested);
        await app.StopAsync(deadline.Token);
        Assert.True(app.Stopping.IsCancellationRequested);
        var answer = Assert.Single(await client.ReadResponsesAsync(1));
        Assert.Equal(503, answer.Status);
        Assert.Equal("The server is stopping.", answer.Body);
    }

    [Fact]
    public async Task A_client_that_shuts_its_side_while_its_event_stream_is_open_is_let_go_at_once()
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/feed", async (req, res) =>
        {
            var events = res.EventStream(); // no heartbeats: nothing would ever be written again
            await events.SendEventAsync("hello");
            try
            {
                await Task.Delay(Timeout.Infinite, events.Closing);
            }
            catch (OperationCanceledException)
            {
                gone.TrySetResult();
                throw;
            }
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            using var deadline = new CancellationTokenSource(Deadline);
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n");
            var stream = new NetworkStream(client.Socket);
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer, deadline.Token);
            Assert.Contains("data: hello", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
            client.Socket.Shutdown(SocketShutdown.Send); // FIN: the client is done with this stream
            await gone.Task.WaitAsync(deadline.Token);   // the handler learns it now, not at a next write that never comes
            Assert.Equal(0, await stream.ReadAsync(buffer, deadline.Token)); // and the connection is closed, not left in CLOSE-WAIT

            // The reactor (the only one) goes on serving new connections.
            await using var next = await TestApp.ConnectAsync(url);
            await next.SendAsync("GET /feed HTTP/1.1\r\nHost: x\r\n\r\n");
            var again = new NetworkStream(next.Socket);
            read = await again.ReadAsync(buffer, deadline.Token);
            Assert.Contains("data: hello", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_half_closed_client_of_an_ordinary_request_is_still_answered()
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/slow", async (req, res) =>
        {
            await Task.Yield();
            res.Send("answered");
        });
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            client.Socket.Shutdown(SocketShutdown.Send);
            Assert.EndsWith("answered", await client.ReadToEndAsync(), StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task A_half_closed_client_with_requests_behind_a_streamed_response_gets_every_answer()
    {
        // The FIN comes while the first response streams, but the client pipelined another request behind it: it is
        // not gone, it has no more to send. (Seen in the chaos soak against the ASP.NET Core host, where a streamed
        // answer lasts longer: "the server closed after 1 of 5 responses".)
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/stream", async (req, res) =>
        {
            await res.WriteAsync("first\n"u8.ToArray(), req.Aborted); // started before the reactor reads the FIN
            await release.Task.WaitAsync(req.Aborted);
            await res.WriteAsync("last\n"u8.ToArray(), req.Aborted);
        });
        app.Get("/after", (req, res) => res.Send("after"));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync("GET /stream HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            var stream = new NetworkStream(client.Socket);
            client.Socket.Shutdown(SocketShutdown.Send);
            var buffer = new byte[4096];
            var first = await stream.ReadAsync(buffer).AsTask().WaitAsync(Deadline);
            Assert.Contains("first", Encoding.ASCII.GetString(buffer, 0, first), StringComparison.Ordinal);
            release.SetResult();
            var rest = Encoding.ASCII.GetString(buffer, 0, first) + await client.ReadToEndAsync();
            Assert.Contains("last", rest, StringComparison.Ordinal);
            Assert.EndsWith("after", rest, StringComparison.Ordinal);

            // The reactor (the only one) goes on serving new connections.
            await using var next = await TestApp.ConnectAsync(url);
            await next.SendAsync("GET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Assert.EndsWith("after", await next.ReadToEndAsync(), StringComparison.Ordinal);
        });
    }
}
