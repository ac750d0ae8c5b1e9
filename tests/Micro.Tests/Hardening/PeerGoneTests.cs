namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9, defects 2 and 3: no state of a connection outlives its peer. A reset is noticed in every state, the
/// handler learns of it (req.Aborted, a failing WriteAsync), and a client that stops reading is cut off by the
/// minimum response data rate, for buffered, streamed and sendfile responses alike.
/// </summary>
public sealed class PeerGoneTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_reset_while_reading_is_paused_behind_a_pending_handler_aborts_it_and_frees_the_connection()
    {
        await using var issue = new IssueApp(o => o.MaxPipelinedRequests = 4);
        var url = issue.Start();
        var client = await TestApp.ConnectAsync(url);
        // The slow handler holds the head of the line; the pipeline fills and the server stops reading.
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Repeat("GET /stream/10 HTTP/1.1\r\nHost: x\r\n\r\n", 50)));
        await issue.SlowStarted.WhenAtLeast(1, Deadline);
        client.Socket.LingerState = new LingerOption(true, 0);
        await client.DisposeAsync(); // RST

        await issue.Aborted.WhenAtLeast(1, Deadline); // the handler learnt its client is gone
        await issue.AssertAllClosedAndServingAsync();
    }

    [Fact]
    public async Task A_client_that_half_closes_behind_a_pending_handler_is_still_answered_then_closed()
    {
        await using var issue = new IssueApp(o => o.MaxPipelinedRequests = 4);
        var url = issue.Start();
        await using var client = await TestApp.ConnectAsync(url);
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n" + string.Concat(Enumerable.Repeat("GET /stream/10 HTTP/1.1\r\nHost: x\r\n\r\n", 10)));
        await issue.SlowStarted.WhenAtLeast(1, Deadline);
        client.Socket.Shutdown(SocketShutdown.Send); // FIN: no more requests, but the answers are still wanted
        issue.OpenGate();
        var text = await client.ReadToEndAsync(); // every response, then the server closes
        var responses = RawResponse.ParseAll(System.Text.Encoding.Latin1.GetBytes(text), out _);
        Assert.True(responses.Count == 11, $"{responses.Count} responses: {text}");
        Assert.Equal("slow done", responses[0].Body);
        await issue.AssertAllClosedAndServingAsync();
    }

    [Fact]
    public async Task With_ClientFinAbortsRequests_a_half_close_behind_a_pending_handler_aborts_it_as_on_kestrel()
    {
        await using var issue = new IssueApp(o => o.ClientFinAbortsRequests = true);
        var url = issue.Start();
        await using var client = await TestApp.ConnectAsync(url);
        await client.SendAsync("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /stream/10 HTTP/1.1\r\nHost: x\r\n\r\n");
        await issue.SlowStarted.WhenAtLeast(1, Deadline);
        client.Socket.Shutdown(SocketShutdown.Send); // FIN: taken as the client gone
        await issue.Aborted.WhenAtLeast(1, Deadline); // the slow work learns it
        Assert.Equal("", await client.ReadToEndAsync()); // closed, nothing owed
        await issue.AssertAllClosedAndServingAsync();
    }

    [Fact]
    public async Task A_client_that_closes_mid_stream_fails_the_handlers_write_and_frees_the_connection()
    {
        await using var issue = new IssueApp();
        var url = issue.Start();
        var client = await TestApp.ConnectAsync(url);
        client.Socket.ReceiveBufferSize = 4096;
        await client.SendAsync("GET /stream/100000000 HTTP/1.1\r\nHost: x\r\n\r\n");
        await issue.StreamsWaiting.WhenAtLeast(1, Deadline); // the socket is full, the handler waits for room
        await client.DisposeAsync(); // unread data: the kernel answers with a reset

        await issue.AssertAllClosedAndServingAsync();
        Assert.Equal(1, issue.WriteFailures);
    }

    [Theory]
    [InlineData("buffered")]
    [InlineData("streamed")]
    [InlineData("sendfile")]
    public async Task A_client_that_never_reads_is_cut_off_by_the_minimum_response_data_rate(string kind)
    {
        var file = Path.GetTempFileName();
        await File.WriteAllBytesAsync(file, new byte[16 * 1024 * 1024]);
        var app = new MicroApp();
        app.ServerOptions.MinResponseDataRateGracePeriod = TimeSpan.FromSeconds(1);
        var handlerSawTheEnd = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        app.Get("/buffered", (req, res) => res.Send(new byte[16 * 1024 * 1024]));
        app.Get("/sendfile", (req, res) => res.SendFile(file));
        app.Get("/streamed", async (req, res) =>
        {
            var chunk = new byte[64 * 1024];
            try
            {
                while (true)
                {
                    await res.WriteAsync(chunk);
                }
            }
            catch (Microsoft.AspNetCore.Connections.ConnectionResetException)
            {
                handlerSawTheEnd.TrySetResult();
                throw;
            }
        });
        app.ServerOptions.ReactorCount = 2;
        app.Listen(0);
        try
        {
            var url = new Uri($"http://{app.EndPoints[0]}");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await socket.ConnectAsync(System.Net.IPAddress.Loopback, url.Port);
            await using var client = new RawClient(socket);
            await client.SendAsync($"GET /{kind} HTTP/1.1\r\nHost: x\r\n\r\n");
            // The client reads nothing. The server must close the connection on its own.
            using var deadline = new CancellationTokenSource(Deadline);
            await app.Server!.WaitForConnectionCountAsync(0, deadline.Token);
            if (kind == "streamed")
            {
                await handlerSawTheEnd.Task.WaitAsync(Deadline);
            }
            await ServerHealth.AssertEveryReactorAnswersAsync(app.Server);
        }
        finally
        {
            await app.StopAsync();
            File.Delete(file);
        }
    }
}
