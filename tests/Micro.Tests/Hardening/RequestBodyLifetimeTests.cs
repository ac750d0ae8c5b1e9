namespace Micro.Tests.Hardening;

/// <summary>Issue 9, defect 9: a body handed out as memory or a stream keeps its bytes across awaits, whatever other clients send meanwhile.</summary>
public sealed class RequestBodyLifetimeTests
{
    [Theory]
    [InlineData("memory")]
    [InlineData("stream")]
    public async Task A_body_used_after_an_await_is_still_this_requests_body(string how)
    {
        var app = new MicroApp();
        app.ServerOptions.ReactorCount = 1; // every connection shares one receive buffer
        app.Post("/echo", async (req, res) =>
        {
            if (how == "memory")
            {
                var body = req.Body;               // taken before the await...
                await Task.Yield();                // ...while other connections' bytes land in the reactor's buffer
                res.Send(body.Span);
            }
            else
            {
                var copy = new MemoryStream();
                var stream = req.BodyStream;
                await Task.Yield();
                await stream.CopyToAsync(copy);
                res.Send(copy.ToArray());
            }
        });
        app.Listen(0);
        try
        {
            var url = new Uri($"http://{app.EndPoints[0]}");
            await Task.WhenAll(Enumerable.Range(0, 16).Select(async c =>
            {
                await using var client = await TestApp.ConnectAsync(url);
                var pipeline = new StringBuilder();
                var bodies = new List<string>();
                for (var r = 0; r < 25; r++)
                {
                    var body = $"client {c:D2} request {r:D2} " + new string((char)('a' + c), 40 + r);
                    bodies.Add(body);
                    pipeline.Append($"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: {body.Length}\r\n\r\n{body}");
                }
                await client.SendAsync(pipeline.ToString());
                var responses = await client.ReadResponsesAsync(bodies.Count);
                Assert.Equal(bodies, responses.Select(response => response.Body));
            }));
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
