using Micro.Testing;

namespace Micro.Tests.App;

/// <summary>A chunked body's trailer fields on Micro's own API (<c>req.Trailers</c>, as Node's <c>req.trailers</c>).</summary>
public sealed class TrailerTests
{
    private const string Chunked = "Host: x\r\nTransfer-Encoding: chunked\r\n";
    private const string WithTrailers = "5\r\nhello\r\n0\r\nX-Sum: 42\r\nx-other: a\r\nX-Other:b \r\n\r\n";

    [Fact]
    public async Task A_chunked_bodys_trailers_are_the_requests_own_and_apart_from_its_headers()
    {
        var app = new MicroApp();
        app.Post("/sum", (req, res) => res.Send(
            $"{req.Body.Length}|{req.Trailers["x-sum"]}|{string.Join(",", req.Trailers["X-Other"].ToArray())}|{req.Trailers.Count}|{req.Headers.ContainsKey("x-sum")}"));
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync($"POST /sum HTTP/1.1\r\n{Chunked}\r\n{WithTrailers}POST /sum HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nab" +
            $"POST /sum HTTP/1.1\r\n{Chunked}\r\n3\r\nabc\r\n0\r\n\r\n");
        var responses = await raw.ReadResponsesAsync(3);
        Assert.Equal("5|42|a,b|2|False", responses[0].Body);
        Assert.Equal("2|||0|False", responses[1].Body); // a body with a length has none; the last request's are gone
        Assert.Equal("3|||0|False", responses[2].Body); // a chunked body without any: none left from two requests before
    }

    [Fact]
    public async Task A_streamed_bodys_trailers_are_there_once_it_has_been_read()
    {
        var looked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = new MicroApp();
        app.Post("/upload", async (req, res) =>
        {
            var before = req.Trailers.Count; // multipart is streamed: the body, and its trailers, have not all arrived
            looked.SetResult();
            var body = await req.ReadBodyAsync();
            res.Send($"{before}|{body.Length}|{req.Trailers["x-sum"]}");
        });
        await using var host = new MicroTestHost(app);
        await using var raw = new RawClient(host.Connect());
        await raw.SendAsync($"POST /upload HTTP/1.1\r\n{Chunked}Content-Type: multipart/form-data; boundary=b\r\n\r\n");
        await looked.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the body is sent only after the handler looked
        await raw.SendAsync(WithTrailers);
        Assert.Equal("0|5|42", (await raw.ReadResponsesAsync(1))[0].Body);
    }
}
