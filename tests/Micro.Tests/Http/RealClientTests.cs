using Micro.Http;

namespace Micro.Tests.Http;

/// <summary>Micro against the clients people use: .NET's HttpClient and curl.</summary>
public sealed class RealClientTests
{
    private static ValueTask Handler(HttpExchange exchange)
    {
        var path = Encoding.ASCII.GetString(exchange.Head.Path.Of(exchange.RequestBytes));
        if (path == "/echo")
        {
            exchange.AddHeader("Content-Type", "application/octet-stream");
            exchange.Write(exchange.Body);
            return default;
        }
        if (path == "/stream")
        {
            return StreamAsync(exchange);
        }
        exchange.Respond(200, "text/plain"u8, "Hello, World!"u8);
        return default;
    }

    private static async ValueTask StreamAsync(HttpExchange exchange)
    {
        for (var i = 0; i < 100; i++)
        {
            await exchange.WriteAsync(Encoding.ASCII.GetBytes($"line {i}\n"));
        }
    }

    [Fact]
    public async Task HttpClient_gets_posts_and_streams()
    {
        await using var server = new TestServer(Handler);
        using var client = new HttpClient { BaseAddress = server.Url };

        var hello = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, hello.StatusCode);
        Assert.Equal("Hello, World!", await hello.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", hello.Content.Headers.ContentType?.MediaType);

        var payload = new byte[3 * 1024 * 1024];
        new Random(1).NextBytes(payload);
        var echoed = await client.PostAsync("/echo", new ByteArrayContent(payload));
        Assert.Equal(payload, await echoed.Content.ReadAsByteArrayAsync());

        // A chunked request body: no Content-Length when the length is unknown.
        var chunkedContent = new StreamContent(new NonSeekableStream(payload));
        var chunked = await client.PostAsync("/echo", chunkedContent);
        Assert.Equal(payload, await chunked.Content.ReadAsByteArrayAsync());

        var streamed = await client.GetStringAsync("/stream");
        Assert.Equal(string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n")), streamed);

        var parallel = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => client.GetStringAsync("/")));
        Assert.All(parallel, body => Assert.Equal("Hello, World!", body));
    }

    [Fact]
    public async Task Curl_sees_the_response_a_person_would()
    {
        await using var server = new TestServer(Handler);
        var output = await Curl("-sS", "-i", server.Url.ToString());
        Assert.StartsWith("HTTP/1.1 200 OK", output);
        Assert.Contains("Server: Micro", output);
        Assert.EndsWith("Hello, World!", output);

        var echo = await Curl("-sS", "--data-binary", "posted by curl", $"{server.Url}echo");
        Assert.Equal("posted by curl", echo);

        var chunkedUpload = await Curl("-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "chunked by curl", $"{server.Url}echo");
        Assert.Equal("chunked by curl", chunkedUpload);

        var streamed = await Curl("-sS", $"{server.Url}stream");
        Assert.Equal(100, streamed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private static async Task<string> Curl(params string[] arguments)
    {
        var start = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"curl exited {process.ExitCode}: {error}");
        return output;
    }

    /// <summary>Makes HttpClient send a chunked body, as it does when it cannot know the length.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
