using System.Threading.Channels;
using Micro.Topics;
using StackExchange.Redis;

namespace Micro.Redis;

/// <summary>
/// Publishing to the other instances: a publish is wrapped and queued from any thread without waiting (a reactor's
/// included), under a bound in messages and bytes; one loop sends the queue in order, pipelined in batches, while
/// Redis is connected, and waits for it while it is not.
/// </summary>
public sealed partial class RedisBackplane
{
    private const int BatchSize = 256;
    private readonly Channel<Outgoing> _outbox = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _sent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _queuedMessages;
    private long _queuedBytes;

    private readonly record struct Outgoing(RedisChannel Channel, byte[] Envelope);

    /// <inheritdoc/>
    public void Publish(TopicMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var envelope = Envelope.Wrap(message, _instance, DateTimeOffset.UtcNow);
        if (Interlocked.Increment(ref _queuedMessages) > _options.MaxQueuedMessages
            | Interlocked.Add(ref _queuedBytes, envelope.Length) > _options.MaxQueuedBytes)
        {
            Dequeued(envelope.Length);
            TopicMetrics.Dropped("backplane_buffer_full");
            return;
        }
        if (!_outbox.Writer.TryWrite(new Outgoing(RedisChannel.Literal(ChannelOf(message.Topic)), envelope)))
        {
            Dequeued(envelope.Length); // stopped: nothing more goes out
            TopicMetrics.Dropped("backplane_buffer_full");
        }
    }

    /// <summary>Publishes queued for other instances and not sent yet (for tests and health).</summary>
    public int QueuedMessages => Volatile.Read(ref _queuedMessages);

    private void Dequeued(int bytes)
    {
        Interlocked.Decrement(ref _queuedMessages);
        Interlocked.Add(ref _queuedBytes, -bytes);
    }

    private async Task SendAsync(ConnectionMultiplexer redis, CancellationToken cancellationToken)
    {
        var subscriber = redis.GetSubscriber();
        var reader = _outbox.Reader;
        var batch = new List<(Task Sent, int Bytes)>(BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                await WaitForConnectionAsync(cancellationToken).ConfigureAwait(false); // the queue holds, under its bound, meanwhile
                while (batch.Count < BatchSize && reader.TryRead(out var outgoing))
                {
                    // Sent in order on one connection, without a round trip each: Redis answers them as a pipeline.
                    batch.Add((subscriber.PublishAsync(outgoing.Channel, outgoing.Envelope), outgoing.Envelope.Length));
                }
                foreach (var (sent, bytes) in batch)
                {
                    try
                    {
                        await sent.ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is RedisException or TimeoutException)
                    {
                        TopicMetrics.Dropped("backplane_send_failed"); // the connection broke with it in flight: at most once
                    }
                    Dequeued(bytes);
                }
                batch.Clear();
            }
        }
        finally
        {
            _sent.TrySetResult();
        }
    }
}
