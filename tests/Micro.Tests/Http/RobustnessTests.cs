namespace Micro.Tests.Http;

public sealed class RobustnessTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_that_never_finishes_its_head_is_cut_off_with_408()
    {
        await using var server = new TestServer(Hello.Handler, o => o.RequestHeadersTimeout = TimeSpan.FromSeconds(1));
        var text = await server.SendAndReadToEndAsync("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ");
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", text);
        Assert.Contains("Connection: close\r\n", text);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task A_body_that_trickles_below_the_minimum_rate_is_cut_off()
    {
        await using var server = new TestServer(Hello.Handler, o =>
        {
            o.MinRequestBodyDataRateGracePeriod = TimeSpan.FromSeconds(1);
            o.MinRequestBodyDataRate = 1000;
        });
        var text = await server.SendAndReadToEndAsync("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nonly a little");
        Assert.StartsWith("HTTP/1.1 408 Request Timeout\r\n", text);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task An_idle_keep_alive_connection_is_closed_after_the_timeout()
    {
        await using var server = new TestServer(Hello.Handler, o => o.KeepAliveTimeout = TimeSpan.FromSeconds(1));
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("Hello, World!", (await client.ReadResponsesAsync(1))[0].Body);
        Assert.Equal("", await client.ReadToEndAsync()); // the server closes without sending anything more
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task A_pipelining_client_that_never_reads_leaves_the_server_memory_bounded()
    {
        await using var server = new TestServer(Hello.Handler, o => o.ReactorCount = 1);
        await using var client = await server.ConnectAsync();
        const int count = 100_000;
        var request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n");
        var pipeline = new byte[request.Length * count];
        for (var i = 0; i < count; i++)
        {
            request.CopyTo(pipeline, i * request.Length);
        }
        using var deadline = new CancellationTokenSource(Deadline);
        var paused = server.Server.WaitForOutputPausedAsync(deadline.Token);
        var sending = client.Socket.SendAsync(pipeline, SocketFlags.None, deadline.Token).AsTask();

        // The client reads nothing; the server must stop reading once its output for this connection passes the mark.
        // (Whether the client's send completes says nothing: loopback socket buffers hold megabytes.)
        await paused;

        var responses = await client.ReadResponsesAsync(count);
        await sending;
        Assert.Equal(count, responses.Count);
        Assert.All(responses, response => Assert.Equal("Hello, World!", response.Body));
        // The responses total about 12 MB; the server held at most the mark plus one read's worth of responses.
        Assert.InRange(server.Server.PeakPausedOutput, server.Options.MaxResponseBufferSize, server.Options.MaxResponseBufferSize + 1024 * 1024);
    }

    [Fact]
    public async Task A_peer_reset_in_the_middle_of_a_pipeline_frees_the_connection()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new TestServer(async exchange =>
        {
            started.TrySetResult();
            await release.Task;
            exchange.Respond(200, "text/plain"u8, "late"u8);
        });
        using var deadline = new CancellationTokenSource(Deadline);
        var client = await server.ConnectAsync();
        await client.SendAsync(string.Concat(Enumerable.Repeat("GET / HTTP/1.1\r\nHost: x\r\n\r\n", 10)));
        await started.Task.WaitAsync(deadline.Token);
        client.Socket.LingerState = new LingerOption(true, 0); // close with RST
        await client.DisposeAsync();
        await server.Server.WaitForConnectionCountAsync(0, deadline.Token);
        release.SetResult(); // the handler finishing after its connection is gone must not fail
        await using var fresh = await server.ConnectAsync();
        await fresh.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("late", (await fresh.ReadResponsesAsync(1))[0].Body);
        Assert.Empty(server.Errors);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }

    [Fact]
    public async Task Shutdown_lets_requests_in_flight_finish_and_closes_idle_connections()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new TestServer(async exchange =>
        {
            started.TrySetResult();
            await release.Task;
            exchange.Respond(200, "text/plain"u8, "finished"u8);
        });
        using var deadline = new CancellationTokenSource(Deadline);
        await using var busy = await server.ConnectAsync();
        await using var idle = await server.ConnectAsync();
        await busy.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await started.Task.WaitAsync(deadline.Token);

        var stopping = server.Server.StopAsync(deadline.Token);
        Assert.Equal("", await idle.ReadToEndAsync()); // the idle connection is closed at once
        Assert.False(stopping.IsCompleted);

        release.SetResult();
        var text = await busy.ReadToEndAsync();
        var response = Assert.Single(RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _));
        Assert.Equal("finished", response.Body);
        Assert.Equal("close", response.Headers["Connection"]);
        await stopping;
        await Assert.ThrowsAnyAsync<SocketException>(() => server.ConnectAsync());
    }

    [Fact]
    public async Task Shutdown_finishes_requests_partly_received_and_closes_idle_pipelining_connections()
    {
        var server = new TestServer(async exchange =>
        {
            await Task.Yield();
            var body = exchange.Body.ToArray();
            exchange.Respond(200, "text/plain"u8, body.Length > 0 ? body : exchange.Head.Target.Of(exchange.RequestBytes).ToArray());
        }, o => o.ReactorCount = 1); // one reactor: by the time the pipelined answers come, it has read the half requests sent before
        using var deadline = new CancellationTokenSource(Deadline);
        await using var halfHead = await server.ConnectAsync();
        await using var halfBody = await server.ConnectAsync();
        await using var pipelined = await server.ConnectAsync();
        await halfHead.SendAsync("GET /late-head HTTP/1.1\r\nHo");
        await halfBody.SendAsync("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
        await pipelined.SendAsync(string.Concat(Enumerable.Range(0, 8).Select(i => $"GET /p{i} HTTP/1.1\r\nHost: x\r\n\r\n")));
        var answered = await pipelined.ReadResponsesAsync(8); // all eight read and answered: the connection is idle again
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"/p{i}"), answered.Select(response => response.Body));

        var stopping = server.Server.StopAsync(deadline.Token);
        Assert.Equal("", await pipelined.ReadToEndAsync()); // idle: closed at once
        await halfHead.SendAsync("st: x\r\n\r\n");
        await halfBody.SendAsync("56789");
        var lateHead = Assert.Single(RawResponse.ParseAll(Encoding.Latin1.GetBytes(await halfHead.ReadToEndAsync()), out _));
        Assert.Equal(("/late-head", "close"), (lateHead.Body, lateHead.Headers["Connection"]));
        var lateBody = Assert.Single(RawResponse.ParseAll(Encoding.Latin1.GetBytes(await halfBody.ReadToEndAsync()), out _));
        Assert.Equal(("0123456789", "close"), (lateBody.Body, lateBody.Headers["Connection"]));
        await stopping;
    }

    [Fact]
    public async Task Shutdown_answers_every_request_pipelined_in_what_was_received_and_only_the_last_says_close()
    {
        var server = new TestServer(exchange =>
        {
            exchange.Respond(200, "text/plain"u8, exchange.Head.Target.Of(exchange.RequestBytes).ToArray());
            return default;
        }, o => o.ReactorCount = 1); // one reactor: it has read the half request by the time the probe is answered
        using var deadline = new CancellationTokenSource(Deadline);
        await using var client = await server.ConnectAsync();
        await using var probe = await server.ConnectAsync();
        await client.SendAsync("GET /p0 HTTP/1.1\r\nHost: x\r\n");
        await probe.SendAsync("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n");
        await probe.ReadResponsesAsync(1);

        var stopping = server.Server.StopAsync(deadline.Token);
        // The rest of the first request and seven more arrive together: all eight are answered, in order.
        await client.SendAsync("\r\n" + string.Concat(Enumerable.Range(1, 7).Select(i => $"GET /p{i} HTTP/1.1\r\nHost: x\r\n\r\n")));
        var answers = RawResponse.ParseAll(Encoding.Latin1.GetBytes(await client.ReadToEndAsync()), out _);
        Assert.Equal(Enumerable.Range(0, 8).Select(i => $"/p{i}"), answers.Select(answer => answer.Body));
        Assert.Equal([.. Enumerable.Repeat("keep-alive", 7), "close"], answers.Select(answer => answer.Headers.GetValueOrDefault("Connection", "keep-alive")));
        await stopping;
    }

    [Fact]
    public async Task The_connection_limit_refuses_connections_past_it()
    {
        await using var server = new TestServer(Hello.Handler, o => o.MaxConnections = 2);
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();
        await first.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await second.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await first.ReadResponsesAsync(1);
        await second.ReadResponsesAsync(1);
        await using var third = await server.ConnectAsync();
        Assert.Equal("", await third.ReadToEndAsync());
        await first.DisposeAsync();
        await second.DisposeAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        await server.Server.WaitForConnectionCountAsync(0, deadline.Token);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }
}
