using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Micro.AspNetCore;

/// <summary>
/// A connection's own features, which Kestrel lets a request find among its features: IConnectionItemsFeature (state
/// kept for the connection's life; Negotiate authentication keeps its handshake there and fails every request on a
/// server without it), IConnectionCompleteFeature (callbacks once it closes), IPersistentStateFeature and
/// IConnectionMetricsTagsFeature (tags for the connection's duration in Kestrel's metrics). Made for a
/// connection only when one of its requests first asks, in a table keyed by the connection, so one that never asks
/// carries nothing; shared by its requests, which on Micro may run at once when pipelined, so the dictionaries are
/// concurrent. The callbacks run on the thread pool after the connection has closed (or switched protocols: HTTP's
/// state is over then), the last registered first, as Kestrel's; one that throws is logged and the rest still run.
/// </summary>
internal sealed class ConnectionFeatures
{
    private static readonly ConditionalWeakTable<HttpConnection, ConnectionFeatures> s_made = new();

    private readonly object _lock = new();
    private readonly ILogger _logger;
    private IDictionary<object, object?>? _items;
    private IDictionary<object, object?>? _state;
    private ConnectionMetricsTags? _metricsTags;
    private Stack<(Func<object, Task> Callback, object State)>? _onCompleted;
    private bool _completed;

    private ConnectionFeatures(CancellationToken closed, ILogger logger)
    {
        _logger = logger;
        closed.UnsafeRegister(static features => ((ConnectionFeatures)features!).Complete(), this);
    }

    /// <summary>
    /// The features of <paramref name="connection"/>, made at the first ask; <paramref name="closed"/> is the
    /// connection's token as its reactor gave it (cancelled when it closes).
    /// </summary>
    public static ConnectionFeatures Of(HttpConnection connection, CancellationToken closed, ILogger logger)
    {
        if (s_made.TryGetValue(connection, out var made))
        {
            return made;
        }
        var features = new ConnectionFeatures(closed, logger);
        return s_made.TryAdd(connection, features) || !s_made.TryGetValue(connection, out made) ? features : made;
    }

    public IDictionary<object, object?> Items
    {
        get => LazyInitializer.EnsureInitialized(ref _items, static () => new ConcurrentDictionary<object, object?>());
        set => _items = value;
    }

    public IDictionary<object, object?> State => LazyInitializer.EnsureInitialized(ref _state, static () => new ConcurrentDictionary<object, object?>());

    /// <summary>
    /// The connection's tags for its duration metric, made at the first ask and handed to the metrics'
    /// <paramref name="observation"/> of the connection, which records them when it closes (nothing listened when it
    /// opened: the tags are kept and go nowhere, as on Kestrel).
    /// </summary>
    public ConnectionMetricsTags MetricsTags(object? observation)
    {
        lock (_lock)
        {
            if (_metricsTags is null)
            {
                _metricsTags = new ConnectionMetricsTags();
                KestrelMetrics.Adopt(observation, _metricsTags);
            }
            return _metricsTags;
        }
    }

    public void OnCompleted(Func<object, Task> callback, object state)
    {
        ArgumentNullException.ThrowIfNull(callback);
        lock (_lock)
        {
            if (!_completed)
            {
                (_onCompleted ??= new()).Push((callback, state));
                return;
            }
        }
        _ = RunAsync([(callback, state)]); // registered after the close: it runs now, rather than never
    }

    private void Complete()
    {
        (Func<object, Task>, object)[] callbacks;
        lock (_lock)
        {
            _completed = true;
            callbacks = _onCompleted?.ToArray() ?? []; // a stack's array: the last registered first
            _onCompleted = null;
        }
        if (callbacks.Length > 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.features.RunAsync(state.callbacks), (features: this, callbacks), preferLocal: false);
        }
    }

    private async Task RunAsync((Func<object, Task> Callback, object State)[] callbacks)
    {
        foreach (var (callback, state) in callbacks)
        {
            try
            {
                await callback(state).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _logger.LogError(exception, "A connection's OnCompleted callback threw.");
            }
        }
    }
}
