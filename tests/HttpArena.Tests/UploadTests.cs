using System.Net;
using System.Security.Cryptography;

namespace HttpArena.Tests;

/// <summary>upload: the byte count of what was sent, read from the body as it arrives (never from Content-Length).</summary>
[Collection(nameof(ArenaFixture))]
public sealed class UploadTests(ArenaFixture arena)
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(17, false)]
    [InlineData(500 * 1024, false)]
    [InlineData(2 * 1024 * 1024, true)]
    [InlineData(20 * 1024 * 1024, false)]
    public async Task The_answer_is_the_number_of_bytes_received(int size, bool chunked)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(RandomNumberGenerator.GetBytes(size)) };
        request.Content.Headers.ContentType = new("application/octet-stream");
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await arena.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(size.ToString(), await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_body_past_the_servers_limit_is_refused_with_413()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/upload") { Content = new ByteArrayContent(new byte[31_000_000]) };
        using var response = await arena.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
