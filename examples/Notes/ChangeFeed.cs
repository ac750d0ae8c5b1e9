using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Micro;
using Micro.WebSockets;

namespace Notes;

/// <summary>
/// Tells every listener what changed: WebSocket clients through the "notes" topic, event-stream clients through a
/// channel each, bounded (a listener that reads slowly loses its oldest changes, never slows the others nor grows).
/// </summary>
public sealed class ChangeFeed
{
    public const string Topic = "notes";
    private const int BacklogPerListener = 64;

    private readonly ConcurrentDictionary<Channel<NoteChange>, byte> _listeners = new();
    private MicroApp? _app;

    /// <summary>The app whose WebSocket topic the feed publishes to (set when the routes are mapped).</summary>
    public void PublishTo(MicroApp app) => _app = app;

    public async Task PublishAsync(NoteChange change)
    {
        foreach (var listener in _listeners.Keys)
        {
            listener.Writer.TryWrite(change);
        }
        if (_app is { } app)
        {
            await app.Publish(Topic, JsonSerializer.Serialize(change, app.JsonOptions));
        }
    }

    /// <summary>A listener's changes, until <paramref name="cancellationToken"/> (its stream's end) cancels.</summary>
    public async IAsyncEnumerable<NoteChange> ListenAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<NoteChange>(new BoundedChannelOptions(BacklogPerListener) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _listeners.TryAdd(channel, 0);
        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            _listeners.TryRemove(channel, out _);
        }
    }

    /// <summary>Event-stream listeners right now (for tests and health).</summary>
    public int ListenerCount => _listeners.Count;
}
