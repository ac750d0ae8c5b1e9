using System.Collections.Concurrent;
using System.Threading.Channels;
using Micro.Topics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Micro.Redis;

/// <summary>
/// Following the hub's interest: a reactor's first subscriber of a topic, or its last, queues the topic here, and one
/// loop makes the Redis subscriptions match <see cref="TopicHub.CountSubscribers"/> (so races between reactors settle
/// on what is true when the loop looks). Each channel's messages are handed to the hub in the order they came.
/// </summary>
public sealed partial class RedisBackplane
{
    private readonly Channel<string> _interest = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _interestQueued = new(StringComparer.Ordinal); // a topic queued once however often it changes
    private readonly Dictionary<string, ChannelMessageQueue> _subscriptions = new(StringComparer.Ordinal); // the loop's alone
    private readonly ConcurrentDictionary<string, byte> _awaitingSubscription = new(StringComparer.Ordinal); // wanted, not made: Redis away or the attempt failed
    private int _failedAttempts; // subscribe attempts failed in a row while connected: the retry's backoff
    private int _retryScheduled;

    /// <summary>Topics this instance is subscribed to on Redis now (for tests and diagnostics).</summary>
    public int SubscribedChannels => Volatile.Read(ref _subscribedChannels);

    private int _subscribedChannels;

    /// <inheritdoc/>
    public void OnInterestChanged(string topic)
    {
        if (_interestQueued.TryAdd(topic, 0))
        {
            _interest.Writer.TryWrite(topic);
        }
    }

    private void ResubscribeEverything()
    {
        foreach (var topic in _hub!.SubscribedTopics.Concat(_awaitingSubscription.Keys))
        {
            OnInterestChanged(topic);
        }
    }

    private async Task FollowInterestAsync(ConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        try
        {
            await foreach (var topic in _interest.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                _interestQueued.TryRemove(topic, out _);
                await ReconcileAsync(subscriber, topic).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var queue in _subscriptions.Values)
            {
                queue.Unsubscribe(CommandFlags.FireAndForget);
            }
            _subscriptions.Clear();
        }
    }

    private async Task ReconcileAsync(ISubscriber subscriber, string topic)
    {
        var wanted = _hub!.CountSubscribers(topic) > 0;
        var subscribed = _subscriptions.TryGetValue(topic, out var existing);
        if (!wanted)
        {
            _awaitingSubscription.TryRemove(topic, out _); // its subscribers left while it waited: nothing to make
        }
        if (wanted == subscribed)
        {
            return;
        }
        var channel = RedisChannel.Literal(ChannelOf(topic));
        if (subscribed)
        {
            _subscriptions.Remove(topic);
            try
            {
                await existing!.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is RedisException or TimeoutException)
            {
                // Redis went: the subscription went with the connection, and is not made again on reconnect.
            }
            finally
            {
                // Counted gone once Redis answered (or went): counted when sent, the figure ran ahead of Redis, and a
                // reader that trusted it (a test asking PUBSUB NUMSUB next) saw the channel still held.
                Interlocked.Decrement(ref _subscribedChannels);
            }
            return;
        }
        // Waiting from before the attempt until it succeeds, so health never says "all subscribed" while one is in
        // flight (a failed SUBSCRIBE may reach Redis and be counted there for a moment before it is undone).
        _awaitingSubscription.TryAdd(topic, 0);
        if (!_connected)
        {
            return; // made when Redis is back
        }
        if (!subscriber.IsConnected(channel))
        {
            // The interactive connection is up and the subscription connection not yet (just after a start or a
            // restart): no attempt now, which would fail, but one shortly, as after a failure.
            RetrySubscriptionsAfter(RetryDelay(++_failedAttempts));
            return;
        }
        try
        {
            var queue = await subscriber.SubscribeAsync(channel).ConfigureAwait(false);
            _subscriptions[topic] = queue;
            Interlocked.Increment(ref _subscribedChannels);
            queue.OnMessage(message => ReceiveAsync(topic, queue, message));
            _awaitingSubscription.TryRemove(topic, out _);
            _failedAttempts = 0;
        }
        catch (Exception exception) when (exception is RedisException or TimeoutException)
        {
            var retryIn = RetryDelay(++_failedAttempts);
            _logger.LogWarning("The Redis backplane could not subscribe to topic {Topic} ({Reason}: {Message}); it tries again in {Seconds} s, and when Redis is back.",
                topic, exception.GetType().Name, exception.Message, retryIn.TotalSeconds);
            subscriber.Unsubscribe(channel, flags: CommandFlags.FireAndForget); // whatever half of it was recorded, so it is never made twice
            RetrySubscriptionsAfter(retryIn);
        }
    }

    /// <summary>Topics that have subscribers here and no subscription on Redis yet: their subscribers miss the other instances' messages meanwhile.</summary>
    public int UnsubscribedTopics => _awaitingSubscription.Count;

    /// <summary>
    /// A failed attempt is tried again by itself: the restore event is not enough, because it may come before the
    /// subscription connection is ready (the attempt it starts fails, and no other event follows), and a refusal that
    /// is not about the connection (an ACL granted later) brings no event at all.
    /// </summary>
    private TimeSpan RetryDelay(int failedAttempts) =>
        TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, Math.Min(failedAttempts - 1, 16)), _options.MaxReconnectDelay.TotalMilliseconds));

    private void RetrySubscriptionsAfter(TimeSpan delay)
    {
        if (Interlocked.Exchange(ref _retryScheduled, 1) == 0)
        {
            _ = RetrySubscriptionsAsync(delay); // one pending retry covers every topic that waits
        }
    }

    private async Task RetrySubscriptionsAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // stopping: nothing more to subscribe
        }
        Interlocked.Exchange(ref _retryScheduled, 0); // a full fence before the look at the topics: a retry asked for meanwhile is not lost
        foreach (var topic in _awaitingSubscription.Keys)
        {
            OnInterestChanged(topic); // the loop looks again: still wanted, and connected, it subscribes
        }
    }

    /// <summary>One message of a topic's channel: another instance's publish, handed to this one's subscribers, one at a time per channel.</summary>
    private async Task ReceiveAsync(string topic, ChannelMessageQueue queue, ChannelMessage received)
    {
        byte[]? bytes = received.Message;
        if (bytes is null || !Envelope.TryUnwrap(bytes, topic, out var instance, out var published, out var message))
        {
            return; // not a Micro envelope: someone else's bytes on this channel
        }
        if (instance == _instance)
        {
            return; // this instance's own publish, delivered here when it was made
        }
        TopicMetrics.ReceivedFromBackplane(DateTimeOffset.UtcNow - published);
        if (queue.TryGetCount(out var waiting) && waiting > _options.MaxInboundBacklog)
        {
            TopicMetrics.Dropped("backplane_inbound_backlog"); // the reactors fall behind Redis: newest dropped, memory bounded
            return;
        }
        await _hub!.DeliverLocallyAsync(message!).ConfigureAwait(false);
    }
}
