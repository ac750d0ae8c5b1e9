using Micro.Http;

namespace Micro.Tests.Transport;

/// <summary>
/// A connection the server ends is half-closed and drained before it is closed (RFC 9112 section 9.6), so bytes the
/// client still sends cannot make the kernel reset the connection and destroy the last response unread.
/// </summary>
public sealed class LingeringCloseTests
{
    private static readonly HttpHandler Ok = exchange =>
    {
        exchange.Respond(200, "text/plain"u8, "ok"u8);
        return default;
    };

    [Fact]
    public async Task A_refused_upload_that_goes_on_sending_still_receives_its_413()
    {
        await using var server = new TestServer(Ok, o => o.MaxRequestBodySize = 1024 * 1024);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 67108864\r\n\r\n");
        // The client sends 8 MiB of the body without reading, as an uploading client does until it sees the answer:
        // the server has answered 413 and ended the connection by then, and keeps reading until the client stops.
        var piece = new byte[64 * 1024];
        for (var sent = 0; sent < 8 * 1024 * 1024; sent += piece.Length)
        {
            await client.SendAsync(piece);
        }
        client.Socket.Shutdown(SocketShutdown.Send);
        var response = await client.ReadToEndAsync();
        Assert.StartsWith("HTTP/1.1 413 ", response);
        Assert.Contains("Connection: close\r\n", response);
        await WaitForNoConnectionsAsync(server);
    }

    [Fact]
    public async Task Requests_pipelined_behind_one_that_closes_do_not_reset_its_response()
    {
        await using var server = new TestServer(Ok);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var first = await client.ReadResponsesAsync(1);
        Assert.Equal(200, first[0].Status);
        // Sent after the server has answered and ended its side: they reach a half-closed socket that reads and drops
        // them, where a closed one would answer with a reset.
        for (var i = 0; i < 64; i++)
        {
            await client.SendAsync($"GET /late/{i} HTTP/1.1\r\nHost: a\r\n\r\n");
        }
        Assert.Equal("", await client.ReadToEndAsync()); // a clean end of stream: no reset, no late answers
        await WaitForNoConnectionsAsync(server);
    }

    [Fact]
    public async Task A_client_that_never_closes_is_closed_when_the_linger_ends()
    {
        await using var server = new TestServer(Ok);
        await using var client = await server.ConnectAsync();
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        var response = await client.ReadToEndAsync(); // the server's FIN: it has half-closed
        Assert.StartsWith("HTTP/1.1 200 ", response);
        Assert.Equal(1, server.Server.ConnectionCount); // lingering, waiting for this client, which does not close
        await WaitForNoConnectionsAsync(server);       // until the linger's deadline
    }

    /// <summary>The lingering connection is released within its bound, and every reactor still accepts and answers.</summary>
    private static async Task WaitForNoConnectionsAsync(TestServer server)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await server.Server.WaitForConnectionCountAsync(0, timeout.Token);
        await ServerHealth.AssertEveryReactorAnswersAsync(server.Server);
    }
}
