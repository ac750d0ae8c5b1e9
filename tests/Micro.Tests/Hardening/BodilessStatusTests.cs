namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 10: 204 and 304 end at their headers whatever the handler writes, so the next response in the pipeline stays framed.</summary>
public sealed class BodilessStatusTests
{
    [Theory]
    [InlineData("/buffered/204", 204)]
    [InlineData("/buffered/304", 304)]
    [InlineData("/streamed-empty/204", 204)]
    [InlineData("/streamed-empty/304", 304)]
    [InlineData("/streamed/204", 500)]
    [InlineData("/streamed/304", 500)]
    public async Task A_bodiless_status_sends_no_body_and_no_framing(string path, int expected)
    {
        var log = new RecordingLoggerProvider();
        var factory = new Microsoft.Extensions.Logging.LoggerFactory();
        factory.AddProvider(log);
        var app = new MicroApp(options: null, factory);
        app.Get("/buffered/:status", (req, res) => res.Status(req.Params.GetInt("status")).Send("a body that must not be sent"));
        app.Get("/streamed-empty/:status", async (req, res) =>
        {
            res.Status(req.Params.GetInt("status"));
            await res.WriteAsync(ReadOnlyMemory<byte>.Empty);
        });
        app.Get("/streamed/:status", async (req, res) =>
        {
            res.Status(req.Params.GetInt("status"));
            await res.WriteAsync("a body that must not be sent"); // throws before anything is sent: a 500
        });
        app.Get("/next", (req, res) => res.Send("next"));
        await TestApp.RunAsync(app, async (http, url) =>
        {
            await using var client = await TestApp.ConnectAsync(url);
            await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            var text = await client.ReadToEndAsync();
            var head = text[..text.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
            Assert.StartsWith($"HTTP/1.1 {expected} ", head);
            if (expected != 500)
            {
                Assert.DoesNotContain("Content-Length", head);
                Assert.DoesNotContain("Transfer-Encoding", head);
                Assert.DoesNotContain("must not be sent", text);
            }
            else
            {
                Assert.DoesNotContain("must not be sent", text);
                Assert.Contains(log.Entries, entry => entry.Exception?.Message.Contains("response has no body") == true);
            }
            var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out _);
            Assert.Equal("next", responses[^1].Body);
        });
    }
}
