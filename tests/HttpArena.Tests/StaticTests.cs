using System.IO.Compression;
using System.Net;

namespace HttpArena.Tests;

/// <summary>static: files read from disk, with their types; the .br and .gz siblings served to clients that accept them.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class StaticTests(ArenaFixture arena)
{
    [Theory]
    [InlineData("reset.css", "text/css")]
    [InlineData("app.js", "text/javascript")]
    [InlineData("manifest.json", "application/json")]
    [InlineData("header.html", "text/html")]
    [InlineData("logo.svg", "image/svg+xml")]
    [InlineData("bold.woff2", "font/woff2")]
    [InlineData("hero.webp", "image/webp")]
    public async Task Every_file_comes_whole_with_its_type_when_no_encoding_is_accepted(string name, string type)
    {
        using var response = await arena.Client.GetAsync($"/static/{name}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(arena.Data.StaticFiles[name], await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task With_the_arenas_accept_encoding_text_comes_as_its_brotli_sibling_and_binary_files_as_they_are()
    {
        foreach (var (name, bytes) in arena.Data.StaticFiles)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/static/{name}");
            request.Headers.TryAddWithoutValidation("Accept-Encoding", "br;q=1, gzip;q=0.8");
            using var response = await arena.Client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            if (arena.Data.Compressible.Contains(name))
            {
                Assert.Equal(["br"], response.Content.Headers.ContentEncoding);
                Assert.Equal(File.ReadAllBytes(Path.Combine(arena.Data.StaticDirectory, name + ".br")), body); // the sibling, not recompressed
                using var decoder = new BrotliStream(new MemoryStream(body), CompressionMode.Decompress);
                using var decoded = new MemoryStream();
                decoder.CopyTo(decoded);
                Assert.Equal(bytes, decoded.ToArray());
            }
            else
            {
                Assert.Empty(response.Content.Headers.ContentEncoding);
                Assert.Equal(bytes, body);
            }
        }
    }

    [Fact]
    public async Task A_client_that_accepts_only_gzip_gets_the_gzip_sibling()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/static/app.js");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip");
        using var response = await arena.Client.SendAsync(request);
        Assert.Equal(["gzip"], response.Content.Headers.ContentEncoding);
        using var decoder = new GZipStream(await response.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var decoded = new MemoryStream();
        await decoder.CopyToAsync(decoded);
        Assert.Equal(arena.Data.StaticFiles["app.js"], decoded.ToArray());
    }

    [Theory]
    [InlineData("/static/nonexistent.txt")]
    [InlineData("/static/../dataset.json")]
    [InlineData("/static/%2e%2e/dataset.json")]
    [InlineData("/static/..%2fdataset.json")]
    public async Task A_missing_file_or_one_outside_the_directory_is_not_found(string path)
    {
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, arena.Url.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")); // as sent: HttpClient would fold the dots
        var answer = await new StreamReader(stream).ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Matches("^HTTP/1.1 (404|400) ", answer);
        Assert.DoesNotContain("\"rating\"", answer);
    }
}
