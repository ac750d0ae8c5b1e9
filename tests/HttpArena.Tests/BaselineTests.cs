using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HttpArena.Tests;

/// <summary>baseline, limited-conn and pipelined, as the profiles describe them and the validator checks them.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class BaselineTests(ArenaFixture arena)
{
    [Fact]
    public async Task Get_answers_the_sum_of_a_and_b_as_text_plain()
    {
        var random = new Random(1);
        for (var i = 0; i < 20; i++)
        {
            var (a, b) = (random.Next(-1000, 1000), random.Next(100, 999));
            using var response = await arena.Client.GetAsync($"/baseline11?a={a}&b={b}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal((a + b).ToString(), await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Post_adds_the_body_sent_with_content_length_or_chunked(bool chunked)
    {
        foreach (var body in new[] { 20, 731, -5 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/baseline11?a=13&b=42") { Content = new StringContent(body.ToString(), Encoding.ASCII, "text/plain") };
            request.Headers.TransferEncodingChunked = chunked;
            using var response = await arena.Client.SendAsync(request);
            Assert.Equal((55 + body).ToString(), await response.Content.ReadAsStringAsync());
        }
    }

    [Theory]
    [InlineData("GET /baseline11?a=x&b=1", "", "400")]
    [InlineData("GET /baseline11?a=99999999999&b=1", "", "400")]
    [InlineData("POST /baseline11?a=1&b=1", "twenty", "400")]
    [InlineData("GET /baseline11", "", "200")] // both missing: 0
    public async Task Parameters_and_bodies_that_are_not_integers_answer_400(string requestLine, string body, string status)
    {
        var text = await ExchangeAsync([$"{requestLine} HTTP/1.1\r\nHost: t\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"]);
        Assert.StartsWith($"HTTP/1.1 {status}", text);
    }

    [Fact]
    public async Task A_request_arriving_in_pieces_is_answered_as_a_whole()
    {
        var text = await ExchangeAsync(["POST /baseli", "ne11?a=13&b=42 HTTP/1.1\r\nHost: t\r\n", "Content-Length: 2\r\nConnection: close\r\n\r\n", "2", "0"]);
        Assert.EndsWith("\r\n\r\n75", text);
    }

    [Fact]
    public async Task Sixteen_pipelined_requests_get_sixteen_oks_in_order()
    {
        var request = "GET /pipeline HTTP/1.1\r\nHost: t\r\n\r\n";
        var text = await ExchangeAsync([string.Concat(Enumerable.Repeat(request, 15)) + request.Replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")]);
        var responses = text.Split("HTTP/1.1 200 OK\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(16, responses.Length);
        Assert.All(responses, response => Assert.EndsWith("\r\n\r\nok", response));
    }

    /// <summary>Sends each piece in its own write (no delay: the server must cope however they arrive) and reads to the end.</summary>
    private async Task<string> ExchangeAsync(string[] pieces)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, arena.Url.Port);
        foreach (var piece in pieces)
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes(piece));
        }
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        return await reader.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }
}
