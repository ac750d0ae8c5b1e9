using Micro.Topics;
using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: topics, as uWebSockets has them: subscribe on the connection, publish from the app to every reactor.</summary>
public sealed class TopicTests
{
    private static WebSocketApp TopicServer(WebSocketOptions? options = null, TaskCompletionSource? left = null) => TopicServer(_ => { }, options, left);

    private static WebSocketApp TopicServer(Action<MicroApp> more, WebSocketOptions? options = null, TaskCompletionSource? left = null) => new(app =>
    {
        app.WebSocket("/topics/:name", async (ws, req) =>
        {
            ws.Subscribe(req.Params["name"]!);
            await ws.SendAsync("subscribed");
            await foreach (var message in ws)
            {
            }
            left?.TrySetResult();
        }, options);
        more(app);
    });

    private static async Task<RawWebSocket> SubscribeAsync(WebSocketApp server, string topic, int? receiveBuffer = null)
    {
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, $"/topics/{topic}", receiveBuffer: receiveBuffer);
        Assert.StartsWith("HTTP/1.1 101", head);
        Assert.Equal("subscribed", (await client.ReadFrameAsync())!.Text);
        return client;
    }

    [Fact]
    public async Task A_publish_reaches_every_subscriber_of_its_topic_on_every_reactor_and_no_one_else()
    {
        var left = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TopicServer(left: left);
        var a = new List<RawWebSocket>();
        for (var i = 0; i < 8; i++)
        {
            a.Add(await SubscribeAsync(server, "a")); // eight connections: both reactors have some
        }
        await using var b = await SubscribeAsync(server, "b");
        Assert.Equal(8, server.App.SubscriberCount("a"));
        Assert.Equal(8, await server.App.Publish("a", "news for a"));
        foreach (var client in a)
        {
            Assert.Equal("news for a", (await client.ReadFrameAsync())!.Text);
        }
        Assert.Equal(1, await server.App.Publish("b", [1, 2, 3]));
        Assert.Equal([1, 2, 3], (await b.ReadFrameAsync())!.Payload); // its first frame: it never had "news for a"

        await a[0].SendFrameAsync(8, RawWebSocket.ClosePayload(1000));
        await left.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(7, await server.App.Publish("a", "after one left"));
        foreach (var client in a)
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Counting_subscribers_in_a_handler_never_waits_for_another_reactor()
    {
        // Issue 20: the count posted to every other reactor and blocked on the answer, so two reactors counting at once
        // waited on each other for good, and one counting stalled while another was busy. Here one reactor is held busy
        // (its handler blocks, as a careless one would) and a handler on the other counts.
        using var gate = new ManualResetEventSlim();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = TopicServer(app =>
        {
            app.Get("/reactor", (req, res) => res.Send(Thread.CurrentThread.Name!));
            app.Get("/hold", (req, res) =>
            {
                held.TrySetResult();
                gate.Wait(TimeSpan.FromSeconds(60));
                res.Send("released");
            });
            app.Get("/count", (req, res) => res.Send($"{req.App!.SubscriberCount("a")}"));
        });
        var subscribers = new List<RawWebSocket>();
        for (var i = 0; i < 6; i++)
        {
            subscribers.Add(await SubscribeAsync(server, "a"));
        }
        var byReactor = new Dictionary<string, RawClient>();
        while (byReactor.Count < 2)
        {
            var client = await TestApp.ConnectAsync(new Uri($"http://{server.EndPoint}"));
            await client.SendAsync("GET /reactor HTTP/1.1\r\nHost: x\r\n\r\n");
            if (!byReactor.TryAdd((await client.ReadResponsesAsync(1))[0].Body, client))
            {
                await client.DisposeAsync();
            }
        }
        var (busy, counting) = (byReactor["Micro reactor 0"], byReactor["Micro reactor 1"]);
        try
        {
            await busy.SendAsync("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
            await held.Task.WaitAsync(TimeSpan.FromSeconds(30));
            await counting.SendAsync("GET /count HTTP/1.1\r\nHost: x\r\n\r\n");
            var count = await counting.ReadResponsesAsync(1).WaitAsync(TimeSpan.FromSeconds(20)); // before: until the gate opened
            Assert.Equal("6", count[0].Body);
        }
        finally
        {
            gate.Set();
        }
        Assert.Equal("released", (await busy.ReadResponsesAsync(1))[0].Body);
        foreach (var client in byReactor.Values.Cast<IAsyncDisposable>().Concat(subscribers))
        {
            await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_publish_after_the_server_has_stopped_completes_and_reaches_no_one()
    {
        var server = TopicServer();
        await using (var client = await SubscribeAsync(server, "late"))
        {
            await server.DisposeAsync();
        }
        var publish = server.App.Publish("late", "anyone?");
        Assert.Equal(0, await publish.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(SlowSubscriberPolicy.Drop)]
    [InlineData(SlowSubscriberPolicy.Close)]
    public async Task A_subscriber_that_does_not_read_does_not_hold_back_the_others_nor_grow_without_bound(SlowSubscriberPolicy policy)
    {
        var options = new WebSocketOptions { MaxPublishBacklog = 256 * 1024, SlowSubscribers = policy };
        await using var server = TopicServer(options);
        await using var fast = await SubscribeAsync(server, "feed");
        await using var slow = await SubscribeAsync(server, "feed", receiveBuffer: 4096); // its kernel soon takes no more
        var message = new byte[16 * 1024];
        var reached = 0;
        for (var i = 0; i < 1000; i++)
        {
            message[0] = (byte)i;
            reached += await server.App.Publish("feed", message);
            // The fast subscriber takes each message before the next is published: it is never behind, however
            // loaded the machine, so every message must reach it.
            var received = await fast.ReadFrameAsync();
            Assert.Equal((16 * 1024, (byte)i), (received!.Payload.Length, received.Payload[0]));
        }
        Assert.InRange(reached, 1000, 1999); // the slow one missed some: 16 MB never piled up for it
        if (policy == SlowSubscriberPolicy.Close)
        {
            Assert.Equal(1008, (await slow.ReadCloseAsync()).CloseCode);
        }
    }
}
