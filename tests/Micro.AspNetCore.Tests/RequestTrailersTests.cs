using System.Globalization;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// A chunked request's trailer fields (IHttpRequestTrailersFeature, HTTP/1.1): available once the body has been read
/// to its end, through HttpRequest.Body or BodyReader, the same on every server; refused with a clear error before.
/// </summary>
public sealed class RequestTrailersTests
{
    private static void Map(WebApplication app) => app.MapPost("/trailers", async (HttpRequest request) =>
    {
        var before = request.CheckTrailersAvailable();
        string refusedBefore;
        try
        {
            refusedBefore = request.GetTrailer("x-sum").ToString();
        }
        catch (InvalidOperationException exception)
        {
            refusedBefore = exception.Message;
        }
        long length = 0;
        if (request.Query.ContainsKey("reader"))
        {
            while (true)
            {
                var result = await request.BodyReader.ReadAsync();
                length += result.Buffer.Length;
                request.BodyReader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        else
        {
            var buffer = new byte[1000];
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }
        }
        return string.Join("|", request.SupportsTrailers(), before, refusedBefore, length.ToString(CultureInfo.InvariantCulture),
            request.CheckTrailersAvailable(), request.GetTrailer("x-sum"), request.GetTrailer("X-OTHER"), request.GetTrailer("missing"));
    });

    private static void MapGet(WebApplication app) => app.MapGet("/read", async (HttpRequest request) =>
    {
        var before = request.CheckTrailersAvailable();
        var read = await request.Body.ReadAsync(new byte[10]);
        return $"{before} {read} {request.CheckTrailersAvailable()} {request.GetTrailer("x").Count}";
    });

    private const string NotYet = "The request trailers are not available yet. They may not be available until the full request body is read.";

    [Theory]
    [OnEveryServer]
    public async Task A_chunked_bodys_trailers_are_read_once_the_body_is(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        const string withTrailers = "5\r\nhello\r\n0\r\nX-Sum: 42\r\nx-other: a\r\nX-Other:b \r\n\r\n";
        var chunked = "Host: x\r\nTransfer-Encoding: chunked\r\n\r\n";
        await client.SendAsync($"POST /trailers HTTP/1.1\r\n{chunked}{withTrailers}POST /trailers?reader HTTP/1.1\r\n{chunked}{withTrailers}" +
            $"POST /trailers HTTP/1.1\r\n{chunked}3\r\nabc\r\n0\r\n\r\nPOST /trailers HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
        Assert.Equal((200, $"True|False|{NotYet}|5|True|42|a,b|"), await StatusAndBodyAsync(client));
        Assert.Equal((200, $"True|False|{NotYet}|5|True|42|a,b|"), await StatusAndBodyAsync(client)); // through BodyReader
        Assert.Equal((200, $"True|False|{NotYet}|3|True|||"), await StatusAndBodyAsync(client)); // none sent
        Assert.Equal((200, $"True|False|{NotYet}|4|True|||"), await StatusAndBodyAsync(client)); // a length: none, at its end
    }

    [Theory]
    [OnEveryServer]
    public async Task A_request_without_a_body_has_its_no_trailers_from_the_start(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, MapGet);
        Assert.Equal("True 0 True 0", await app.Client.GetStringAsync("/read"));
    }

    [Theory]
    [OnEveryServer]
    public async Task A_trailer_section_that_is_not_valid_fails_the_body(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, Map);
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        await client.SendAsync("POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nBad Name: 1\r\n\r\n");
        Assert.Equal(400, (await client.ReadResponseAsync(toClose: true)).Status);
        await using var flooding = await RawHttpClient.ConnectAsync(app.Address); // a trailer section past the header limits
        var flood = string.Concat(Enumerable.Range(0, 2000).Select(i => $"X-Filler-{i}: {new string('f', 40)}\r\n"));
        await flooding.SendAsync($"POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n{flood}\r\n");
        Assert.Equal(431, (await flooding.ReadResponseAsync(toClose: true)).Status);
        await app.AssertServesNewConnectionsAsync();
    }

    [Theory]
    [OnEveryServer]
    public async Task Trailer_values_are_read_as_utf8_and_one_that_is_not_fails_the_read(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web => web.MapPost("/trailer", async (HttpRequest request) =>
        {
            try
            {
                await request.Body.CopyToAsync(Stream.Null);
            }
            catch (Exception exception) when (exception is BadHttpRequestException or InvalidOperationException)
            {
                return "the read failed"; // Kestrel throws InvalidOperationException, Micro BadHttpRequestException (400 when not caught)
            }
            return string.Join(",", request.GetTrailer("x-name").ToString().Select(c => ((int)c).ToString("x4", CultureInfo.InvariantCulture)));
        }));
        await using var client = await RawHttpClient.ConnectAsync(app.Address);
        var chunked = "POST /trailer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-Name: "u8.ToArray();
        await client.SendAsync([.. chunked, 0xC3, 0xA9, .. "\r\n\r\n"u8, .. chunked, 0xE9, .. "\r\n\r\n"u8]);
        Assert.Equal((200, "00e9"), await StatusAndBodyAsync(client));
        Assert.Equal((200, "the read failed"), await StatusAndBodyAsync(client));
    }

    private static async Task<(int, string)> StatusAndBodyAsync(RawHttpClient client)
    {
        var (status, _, body) = await client.ReadResponseAsync();
        return (status, body);
    }
}
