namespace Micro.AspNetCore.Tests;

/// <summary>
/// Chunked request bodies arriving in the same packets as their heads (every one is streamed on Micro): pipelined
/// small ones, one larger than the engine's 64 KiB body pipe, and a malformed one, on every server alike.
/// </summary>
public sealed class StreamedBodyTests
{
    private static void Map(WebApplication app)
    {
        app.MapPost("/sum", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            return (1 + int.Parse(await reader.ReadToEndAsync(), System.Globalization.CultureInfo.InvariantCulture)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        app.MapPost("/length", async (HttpRequest request) =>
        {
            var buffer = new byte[8192];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }
            return total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
    }

    private static string Chunked(string path, string body) =>
        $"POST {path} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n{body.Length:x}\r\n{body}\r\n0\r\n\r\n";

    [Theory]
    [OnEveryServer]
    public async Task Pipelined_chunked_posts_in_one_write_are_each_read_whole_and_answered_in_order(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync(string.Concat(Enumerable.Range(0, 32).Select(i => Chunked("/sum", i.ToString(System.Globalization.CultureInfo.InvariantCulture)))));
        for (var i = 0; i < 32; i++)
        {
            var (status, _, body) = await client.ReadResponseAsync();
            Assert.Equal((200, (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), (status, body));
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task A_chunked_body_larger_than_the_pipe_sent_with_its_head_and_a_request_behind_it_is_read_whole(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var large = new string('x', 300_000);
        await client.SendAsync(Chunked("/length", large) + Chunked("/sum", "41"));
        Assert.Equal((200, "300000"), await StatusAndBodyAsync(client));
        Assert.Equal((200, "42"), await StatusAndBodyAsync(client));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_malformed_chunked_body_sent_with_its_head_is_answered_400_and_the_connection_closes(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("POST /sum HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n41\r\n0\r\n\r\n" + Chunked("/sum", "1"));
        Assert.Equal(400, (await client.ReadResponseAsync(toClose: true)).Status);
        Assert.True(await client.IsClosedByServerAsync()); // nothing after a body that cannot be framed is answered
        await app.AssertServesNewConnectionsAsync();
    }

    private static async Task<(int, string)> StatusAndBodyAsync(RawHttpClient client)
    {
        var (status, _, body) = await client.ReadResponseAsync();
        return (status, body);
    }
}
