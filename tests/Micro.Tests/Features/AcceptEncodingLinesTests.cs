using System.IO.Compression;
using Micro.Compression;

namespace Micro.Tests.Features;

/// <summary>
/// Accept-Encoding sent on several lines (which HttpClient never does, so over a raw socket): the lines are one list,
/// their values joined by commas (RFC 9110 section 5.3), read in order.
/// </summary>
public sealed class AcceptEncodingLinesTests
{
    private static readonly string Body = "[" + string.Join(",", Enumerable.Range(0, 2000).Select(i => $"\"item-{i}\"")) + "]";

    [Theory]
    [InlineData("Accept-Encoding: deflate\r\nAccept-Encoding: gzip\r\n", "gzip")]                      // the coding on the second line counts
    [InlineData("Accept-Encoding: gzip;q=0\r\nAccept-Encoding: gzip\r\n", null)]                      // the first item naming a coding decides, as in one list
    [InlineData("accept-encoding: br;q=0\r\nX-Other: 1\r\nACCEPT-ENCODING: br, gzip;q=0.5\r\n", "gzip")] // any case, other fields between
    [InlineData("Accept-Encoding: identity\r\nAccept-Encoding: *;q=0\r\n", null)]                      // nothing but identity, which the second line leaves alone
    public async Task A_field_on_several_lines_is_read_as_one_list(string lines, string? coding)
    {
        var app = new MicroApp().UseCompression();
        app.Get("/json", (req, res) => res.Header("Content-Type", "application/json").Send(Body));
        await TestApp.RunAsync(app, async (_, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync($"GET /json HTTP/1.1\r\nHost: test\r\n{lines}\r\n");
            var response = (await client.ReadResponsesAsync(1))[0];
            Assert.Equal(200, response.Status);
            Assert.Equal(coding, response.Headers.GetValueOrDefault("Content-Encoding"));
            Assert.Equal("Accept-Encoding", response.Headers["Vary"]);
            Assert.Equal(Body, coding is null ? response.Body : Gunzip(Encoding.Latin1.GetBytes(response.Body)));
        });
    }

    private static string Gunzip(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        return new StreamReader(gzip).ReadToEnd();
    }
}
