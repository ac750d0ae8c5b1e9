using Micro.Compression;
using Micro.ServerSentEvents;

namespace Micro.Tests.ServerSentEvents;

/// <summary>Issue 12: server-sent events (the HTML standard's text/event-stream) on a streamed response.</summary>
public sealed class EventStreamTests
{
    private static MicroApp EventsApp(TaskCompletionSource? clientGone = null)
    {
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 });
        app.Get("/events", async (req, res) =>
        {
            var events = res.EventStream();
            var start = int.TryParse(events.LastEventId, out var last) ? last + 1 : 0;
            await events.SetRetryAsync(TimeSpan.FromSeconds(3));
            for (var i = start; i < start + 3; i++)
            {
                await events.SendEventAsync($"event {i}\nsecond line", eventType: "tick", id: i.ToString());
            }
        });
        app.Get("/forever", async (req, res) =>
        {
            var events = res.EventStream();
            events.StartHeartbeats(TimeSpan.FromMilliseconds(200));
            await events.SendEventAsync("started");
            try
            {
                await Task.Delay(Timeout.Infinite, req.Aborted);
            }
            catch (OperationCanceledException)
            {
                clientGone?.TrySetResult(); // the client went: the handler learns it, the stream ends
            }
        });
        return app;
    }

    [Fact]
    public async Task Events_are_framed_as_the_standard_says_and_a_reconnecting_client_resumes_after_its_last_id()
    {
        var app = EventsApp();
        await TestApp.RunAsync(app, async (client, _) =>
        {
            using var response = await client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
            Assert.Equal("no-cache", response.Headers.CacheControl!.ToString());
            Assert.Equal("no", response.Headers.GetValues("X-Accel-Buffering").Single());
            Assert.True(response.Headers.TransferEncodingChunked);
            Assert.Equal(
                "retry: 3000\n\n" +
                "event: tick\nid: 0\ndata: event 0\ndata: second line\n\n" +
                "event: tick\nid: 1\ndata: event 1\ndata: second line\n\n" +
                "event: tick\nid: 2\ndata: event 2\ndata: second line\n\n",
                await response.Content.ReadAsStringAsync());

            using var again = new HttpRequestMessage(HttpMethod.Get, "/events") { Headers = { { "Last-Event-ID", "2" } } };
            using var resumed = await client.SendAsync(again);
            Assert.Contains("id: 3\ndata: event 3", await resumed.Content.ReadAsStringAsync());
        });
    }

    [Fact]
    public async Task Heartbeats_keep_an_idle_stream_alive_and_a_client_that_goes_ends_the_handler()
    {
        var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = EventsApp(gone);
        await TestApp.RunAsync(app, async (client, url) =>
        {
            await using var raw = await TestApp.ConnectAsync(url);
            await raw.SendAsync("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n");
            var seen = new System.Text.StringBuilder();
            var buffer = new byte[1024];
            var stream = new System.Net.Sockets.NetworkStream(raw.Socket);
            while (!seen.ToString().Contains(": \n\n")) // a comment: the heartbeat, with no event to send
            {
                var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                Assert.NotEqual(0, read);
                seen.Append(System.Text.Encoding.UTF8.GetString(buffer, 0, read));
            }
            Assert.Contains("data: started\n\n", seen.ToString());
            raw.Socket.Close(); // the client goes away
            await gone.Task.WaitAsync(TimeSpan.FromSeconds(30));
        });
    }

    [Fact]
    public async Task Events_reject_fields_that_would_break_the_framing()
    {
        var app = new MicroApp();
        var failures = new List<string>();
        app.Get("/bad", async (req, res) =>
        {
            var events = res.EventStream();
            foreach (var attempt in new Func<ValueTask>[]
            {
                () => events.SendEventAsync("x", eventType: "two\nlines"),
                () => events.SendEventAsync("x", id: "a\rb"),
                () => events.SendEventAsync("x", id: "nul\0"),
                () => events.SendCommentAsync("line\nbreak"),
            })
            {
                try
                {
                    await attempt();
                }
                catch (ArgumentException error)
                {
                    failures.Add(error.ParamName!);
                }
            }
            await events.SendEventAsync("still fine");
        });
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            Assert.Equal("data: still fine\n\n", await client.GetStringAsync("/bad"));
        });
        Assert.Equal(["eventType", "id", "id", "comment"], failures);
    }

    [Fact]
    public async Task With_compression_on_the_stream_still_arrives_whole()
    {
        var app = EventsApp();
        app.UseCompression();
        await TestApp.RunAsync(app, async (_, url) =>
        {
            using var client = new HttpClient(new HttpClientHandler { AutomaticDecompression = DecompressionMethods.GZip }) { BaseAddress = url };
            using var request = new HttpRequestMessage(HttpMethod.Get, "/events") { Headers = { { "Accept-Encoding", "gzip" } } };
            using var response = await client.SendAsync(request);
            Assert.Contains("data: event 2", await response.Content.ReadAsStringAsync());
        });
    }
}
