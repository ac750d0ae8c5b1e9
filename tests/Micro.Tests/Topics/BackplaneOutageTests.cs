using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Micro.Redis;
using Micro.Topics;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Topics;

/// <summary>
/// Issue 25: Redis going away and coming back. Local delivery never stops; publishes for the other instances wait
/// under their bound (the rest are dropped and counted); the health endpoint says Degraded; the backplane reconnects
/// and subscribes again by itself; what was published while an instance was away is lost for it (documented).
/// Nothing logged or reported carries the password.
/// </summary>
[Collection(nameof(BackplaneTests))]
public sealed class BackplaneOutageTests
{
    private const string Password = "s3cret-Micro-Passw0rd";

    [Fact]
    public async Task Redis_killed_and_restarted_local_delivery_goes_on_the_queue_is_bounded_and_delivery_across_instances_resumes()
    {
        await using var redis = await RedisServer.StartAsync(password: Password);
        using var logs = new RecordingLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug));
        var dropped = new ConcurrentDictionary<string, int>();
        using var listener = ListenToDrops(dropped);
        RedisBackplaneOptions Options() => new()
        {
            Configuration = redis.Configuration,
            ChannelPrefix = "micro:outage:",
            MaxQueuedMessages = 50,
            MaxReconnectDelay = TimeSpan.FromMilliseconds(500),
        };
        await using var a = new BackplaneTests.Instance(Options(), loggerFactory.CreateLogger<RedisBackplane>());
        await using var b = new BackplaneTests.Instance(Options(), loggerFactory.CreateLogger<RedisBackplane>());
        await using var onA = await a.WebSocketAsync("feed");
        await using var onB = await b.WebSocketAsync("feed");
        await EventStreamTopicTests.WaitUntilAsync(() => a.Backplane.SubscribedChannels == 1 && b.Backplane.SubscribedChannels == 1);
        Assert.Equal("Healthy", await a.HealthAsync());
        await a.App.Publish("feed", "before");
        Assert.Equal("before", (await onB.ReadFrameAsync())!.Text);
        Assert.Equal("before", (await onA.ReadFrameAsync())!.Text);

        await redis.KillAsync();
        await EventStreamTopicTests.WaitUntilAsync(() => !a.Backplane.Health.IsConnected);
        var health = await a.HealthAsync();
        Assert.StartsWith("Degraded: Redis backplane unreachable", health); // 200: the instance still serves

        for (var i = 0; i < 80; i++)
        {
            Assert.Equal(1, await a.App.Publish("feed", $"while down {i}")); // at once, to the local subscriber
        }
        for (var i = 0; i < 80; i++)
        {
            Assert.Equal($"while down {i}", (await onA.ReadFrameAsync())!.Text);
        }
        Assert.Equal(50, a.Backplane.QueuedMessages); // the bound held: 30 dropped, not queued without end
        Assert.Equal(30, dropped.GetValueOrDefault("backplane_buffer_full"));

        await redis.RestartAsync();
        await EventStreamTopicTests.WaitUntilAsync(() => a.Backplane.Health.IsConnected && b.Backplane.Health.IsConnected && a.Backplane.QueuedMessages == 0);
        Assert.Equal("Healthy", await a.HealthAsync());

        // b resubscribes by itself; what a sent before b was back on its channel is lost for b. Probe until a message
        // crosses, then every one does, in order: what b received of the queued ones came in order too.
        var seenByB = new List<string>();
        for (var probe = 0; ; probe++)
        {
            await a.App.Publish("feed", $"probe {probe}");
            var frame = await onB.ReadFrameAsync().WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result!.Text : null);
            while (frame is not null && frame.StartsWith("while down", StringComparison.Ordinal))
            {
                seenByB.Add(frame);
                frame = (await onB.ReadFrameAsync())!.Text;
            }
            if (frame is not null)
            {
                Assert.StartsWith("probe", frame);
                break;
            }
            Assert.True(probe < 30, "no message crossed within 30 probes after Redis came back");
        }
        var queuedOrder = seenByB.Select(text => int.Parse(text["while down ".Length..])).ToList();
        Assert.Equal(queuedOrder.Order(), queuedOrder);
        Assert.All(queuedOrder, i => Assert.InRange(i, 0, 49)); // only the 50 that were queued, never the dropped
        for (var i = 0; i < 20; i++)
        {
            await a.App.Publish("feed", $"after {i}");
        }
        for (var i = 0; i < 20; i++)
        {
            var text = (await onB.ReadFrameAsync())!.Text;
            while (text.StartsWith("probe", StringComparison.Ordinal))
            {
                text = (await onB.ReadFrameAsync())!.Text; // probes still crossing
            }
            Assert.Equal($"after {i}", text);
        }

        var logged = logs.Entries.Select(entry => $"{entry.Message} {entry.Exception}").ToList();
        Assert.Contains(logged, line => line.Contains("lost", StringComparison.Ordinal)); // the outage was reported...
        Assert.DoesNotContain(logged, line => line.Contains(Password, StringComparison.Ordinal)); // ...never with the password
        Assert.DoesNotContain(Password, health);
    }

    [Fact]
    public async Task An_app_starts_while_Redis_is_down_serves_its_own_subscribers_and_joins_when_Redis_comes()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        var options = new RedisBackplaneOptions { Configuration = redis.Configuration, ChannelPrefix = "micro:late:", MaxReconnectDelay = TimeSpan.FromMilliseconds(500) };
        await using var a = new BackplaneTests.Instance(options);
        await using var onA = await a.WebSocketAsync("feed");
        Assert.Equal(1, await a.App.Publish("feed", "local"));
        Assert.Equal("local", (await onA.ReadFrameAsync())!.Text);
        Assert.StartsWith("Degraded", await a.HealthAsync());

        await redis.RestartAsync();
        await EventStreamTopicTests.WaitUntilAsync(() => a.Backplane.SubscribedChannels == 1); // it subscribed once Redis was there
        await using var b = new BackplaneTests.Instance(options);
        await EventStreamTopicTests.WaitUntilAsync(() => b.Backplane.Health.IsConnected);
        await b.App.Publish("feed", "from b");
        Assert.Equal("from b", (await onA.ReadFrameAsync())!.Text);
    }

    private static MeterListener ListenToDrops(ConcurrentDictionary<string, int> dropped)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == TopicMetrics.MeterName && instrument.Name == "micro.topics.dropped")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "reason")
                {
                    dropped.AddOrUpdate((string)tag.Value!, (int)value, (_, count) => count + (int)value);
                }
            }
        });
        listener.Start();
        return listener;
    }
}
