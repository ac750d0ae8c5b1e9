using System.Net.Sockets;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// Response trailers where HTTP/1.1 allows them: after the last chunk. Kestrel offers none over HTTP/1.1
/// (SupportsTrailers is false there); Micro does, and a response with trailers goes chunked.
/// </summary>
public sealed class TrailersTests
{
    private static void Map(WebApplication app) => app.MapGet("/checked", async (HttpResponse response) =>
    {
        if (!response.SupportsTrailers())
        {
            await response.WriteAsync("no trailers");
            return;
        }
        response.DeclareTrailer("X-Checksum");
        await response.WriteAsync("with trailers");
        response.AppendTrailer("X-Checksum", "abc123"); // known only once the body is written, as a checksum is
        response.AppendTrailer("Content-Length", "999"); // a framing field: not allowed as a trailer, left out
    });

    [Theory]
    [OnEveryServer]
    public async Task Trailers_follow_the_last_chunk_where_the_server_offers_them(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync("127.0.0.1", app.Address.Port);
        await socket.SendAsync("GET /checked HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"u8.ToArray());
        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }
        var response = Encoding.ASCII.GetString(received.ToArray());
        if (server == ServerKind.Kestrel)
        {
            Assert.EndsWith("\r\n\r\nb\r\nno trailers\r\n0\r\n\r\n", response);
            return;
        }
        Assert.Contains("Transfer-Encoding: chunked\r\n", response);
        Assert.Contains("Trailer: X-Checksum\r\n", response);
        Assert.EndsWith("\r\n\r\nd\r\nwith trailers\r\n0\r\nX-Checksum: abc123\r\n\r\n", response);
    }
}
