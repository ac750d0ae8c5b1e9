using Micro.ServerSentEvents;
using Micro.Tests.WebSockets;
using Micro.Topics;
using Micro.WebSockets;

namespace Micro.Tests.Topics;

/// <summary>Issue 25: event streams subscribe to topics as WebSockets do, and app.Publish reaches both kinds.</summary>
public sealed class EventStreamTopicTests
{
    /// <summary>/events/:topic subscribes (with ?type=name as the event field), sends "ready", and relays until the test releases it or the client goes.</summary>
    private static WebSocketApp TopicApp(TaskCompletionSource? release = null, Action<EventStream>? configure = null) => new(app =>
    {
        app.Get("/events/:topic", async (req, res) =>
        {
            var events = res.EventStream();
            configure?.Invoke(events);
            var type = req.Query["type"].ToString();
            events.Subscribe(req.Params["topic"]!, type.Length > 0 ? type : null);
            await events.SendCommentAsync("ready");
            await (release is null ? events.WaitUntilClosingAsync() : Task.WhenAny(release.Task, events.WaitUntilClosingAsync()));
        });
        app.WebSocket("/ws/:topic", async (ws, req) =>
        {
            ws.Subscribe(req.Params["topic"]!);
            await ws.SendAsync("subscribed");
            await foreach (var message in ws)
            {
            }
        });
    });

    [Fact]
    public async Task A_publish_reaches_event_streams_and_websockets_alike_as_events_of_the_standard()
    {
        await using var server = TopicApp();
        await using var plain = await EventClient.SubscribeAsync(server.EndPoint, "/events/news");
        await using var typed = await EventClient.SubscribeAsync(server.EndPoint, "/events/news?type=note");
        var (socket, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/ws/news");
        await using var ws = socket;
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Equal("subscribed", (await ws.ReadFrameAsync())!.Text);
        Assert.Equal(3, server.App.SubscriberCount("news"));

        Assert.Equal(3, await server.App.Publish("news", "first line\nsecond line"));
        Assert.Equal("data: first line\ndata: second line\n\n", await plain.ReadEventAsync());
        Assert.Equal("event: note\ndata: first line\ndata: second line\n\n", await typed.ReadEventAsync());
        Assert.Equal("first line\nsecond line", (await ws.ReadFrameAsync())!.Text);

        Assert.Equal(3, await server.App.Publish("news", [0, 1, 2, 255]));
        Assert.Equal("data: AAEC/w==\n\n", await plain.ReadEventAsync()); // an event stream is text: binary arrives in base64
        Assert.Equal([0, 1, 2, 255], (await ws.ReadFrameAsync())!.Payload);
        Assert.Equal(0, await server.App.Publish("other", "not for them"));
    }

    [Fact]
    public async Task The_handlers_end_unsubscribes_and_the_next_response_on_the_connection_receives_nothing_of_the_topic()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TopicApp(release);
        await using var client = await EventClient.SubscribeAsync(server.EndPoint, "/events/feed");
        Assert.Equal(1, await server.App.Publish("feed", "one"));
        Assert.Equal("data: one\n\n", await client.ReadEventAsync());

        release.SetResult(); // the handler returns: the stream ends, the connection stays for the next request
        Assert.EndsWith("\r\n0\r\n\r\n", await client.ReadUntilAsync("0\r\n\r\n")); // the last chunk
        Assert.Equal(0, server.App.SubscriberCount("feed")); // unsubscribed as the handler ended, before the stream's last chunk went
        Assert.Equal(0, await server.App.Publish("feed", "after the end"));

        await client.SendAsync("GET /plain HTTP/1.1\r\nHost: x\r\n\r\n");
        var answer = await client.ReadUntilAsync("plain");
        Assert.StartsWith("HTTP/1.1 200 OK", answer);
        Assert.DoesNotContain("after the end", answer);
    }

    [Fact]
    public async Task A_client_that_goes_is_unsubscribed()
    {
        await using var server = TopicApp();
        var client = await EventClient.SubscribeAsync(server.EndPoint, "/events/gone");
        Assert.Equal(1, server.App.SubscriberCount("gone"));
        await client.DisposeAsync();
        await WaitUntilAsync(() => server.App.SubscriberCount("gone") == 0);
        Assert.Equal(0, await server.App.Publish("gone", "anyone?"));
    }

    [Theory]
    [InlineData(SlowSubscriberPolicy.Drop)]
    [InlineData(SlowSubscriberPolicy.Close)]
    public async Task A_stream_that_does_not_read_does_not_hold_back_the_others_nor_grow_without_bound(SlowSubscriberPolicy policy)
    {
        await using var server = TopicApp(configure: events => (events.MaxPublishBacklog, events.SlowSubscribers) = (256 * 1024, policy));
        await using var fast = await EventClient.SubscribeAsync(server.EndPoint, "/events/feed");
        await using var slow = await EventClient.SubscribeAsync(server.EndPoint, "/events/feed", receiveBuffer: 4096);
        var text = new string('x', 16 * 1024);
        var reached = 0;
        for (var i = 0; i < 1000; i++)
        {
            reached += await server.App.Publish("feed", $"{i} {text}");
            // The fast subscriber reads each event before the next is published, so it is never behind: every one reaches it.
            Assert.StartsWith($"data: {i} x", await fast.ReadEventAsync());
        }
        Assert.InRange(reached, 1001, 1999); // the slow one had some and missed some: 16 MB never piled up for it
        if (policy == SlowSubscriberPolicy.Close)
        {
            await slow.ReadUntilClosedAsync(); // cut off, its connection closed
            await WaitUntilAsync(() => server.App.SubscriberCount("feed") == 1);
            await ServerHealth.AssertEveryReactorAnswersAsync(server.App.Server!); // the cut-off harmed no reactor
        }
    }

    [Fact]
    public async Task In_the_test_host_an_event_stream_receives_what_the_app_publishes()
    {
        // What an app's own tests do: MicroTestHost in memory, HttpClient reading the stream as it comes.
        var app = new MicroApp();
        app.Get("/feed", async (req, res) =>
        {
            var events = res.EventStream();
            events.Subscribe("feed", eventType: "change");
            await events.SendCommentAsync("ready");
            await events.WaitUntilClosingAsync();
        });
        await TestApp.RunInMemoryAsync(app, async (client, _) =>
        {
            using var response = await client.GetAsync("/feed", HttpCompletionOption.ResponseHeadersRead);
            using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
            Assert.Equal(": ready", await lines.ReadLineAsync());
            Assert.Equal("", await lines.ReadLineAsync());
            Assert.Equal(1, await app.Publish("feed", "{\"id\":1}"));
            Assert.Equal("event: change", await lines.ReadLineAsync());
            Assert.Equal("data: {\"id\":1}", await lines.ReadLineAsync());
        });
        Assert.Equal(0, app.SubscriberCount("feed")); // the host's stop ended the stream, and its subscription with it
    }

    /// <summary>Polls a condition the server reaches on its own reactor after the client's step (bounded: fails after 30 s).</summary>
    internal static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    /// <summary>As <see cref="WaitUntilAsync(Func{bool})"/>, for a condition read over the network (a health endpoint, Redis).</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}

/// <summary>A client of an event stream over a raw socket: reads events as the bytes come (each event is one chunk).</summary>
internal sealed class EventClient(Socket socket) : IAsyncDisposable
{
    private readonly NetworkStream _stream = new(socket, ownsSocket: true);
    private readonly StringBuilder _seen = new();
    private int _consumed;

    /// <param name="ready">What the stream sends once it is subscribed (the test apps' ": ready" comment by default).</param>
    public static async Task<EventClient> SubscribeAsync(IPEndPoint server, string path, int? receiveBuffer = null, string ready = ": ready\n\n")
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size; // before connecting: the window the kernel offers stays small
        }
        await socket.ConnectAsync(server);
        var client = new EventClient(socket);
        await client.SendAsync($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
        await client.ReadUntilAsync(ready); // subscribed: the handler subscribes before it sends this
        return client;
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    /// <summary>The next whole event ("...\n\n"), without the chunk framing around it.</summary>
    public async Task<string> ReadEventAsync()
    {
        var text = await ReadUntilAsync("\n\n", skipFraming: true);
        return text;
    }

    /// <summary>What came after the last read, up to and including <paramref name="marker"/>.</summary>
    public async Task<string> ReadUntilAsync(string marker, bool skipFraming = false)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var from = _consumed;
            if (skipFraming)
            {
                // Skip a chunk-size line: hex digits and CRLF before the event, CRLF after the one before.
                var rest = _seen.ToString(_consumed, _seen.Length - _consumed);
                var start = rest.IndexOf("data: ", StringComparison.Ordinal) is var data and >= 0 ? data : int.MaxValue;
                var typed = rest.IndexOf("event: ", StringComparison.Ordinal);
                start = typed >= 0 && typed < start ? typed : start;
                if (start != int.MaxValue)
                {
                    from = _consumed + start;
                }
            }
            var found = _seen.Length > from ? _seen.ToString(from, _seen.Length - from).IndexOf(marker, StringComparison.Ordinal) : -1;
            if (found >= 0)
            {
                var text = _seen.ToString(from, found + marker.Length);
                _seen.Remove(0, from + found + marker.Length); // what was read goes: a long stream's reads stay short
                _consumed = 0;
                return text;
            }
            var read = await _stream.ReadAsync(buffer, deadline.Token);
            Assert.True(read > 0, $"the connection closed before '{marker}' came; it sent: {_seen.ToString(_consumed, _seen.Length - _consumed)}");
            _seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    /// <summary>Reads (and discards) until the server closes the connection.</summary>
    public async Task ReadUntilClosedAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[256 * 1024];
        try
        {
            while (await _stream.ReadAsync(buffer, deadline.Token) > 0)
            {
            }
        }
        catch (IOException)
        {
            // reset: closed too
        }
    }

    public ValueTask DisposeAsync() => _stream.DisposeAsync();
}
