using System.Collections;

namespace Micro.AspNetCore;

/// <summary>
/// A connection's own tags for its <c>kestrel.connection.duration</c> (IConnectionMetricsTagsFeature: middleware adds a
/// tenant or a client kind, as on Kestrel). Shared by the connection's requests, which on Micro may run at once when
/// pipelined, so every member takes a lock; read once more when the connection closes. Bounded: a connection's tags
/// are a dimension of a histogram, and a careless app adding one per request would otherwise grow it for ever.
/// </summary>
internal sealed class ConnectionMetricsTags : ICollection<KeyValuePair<string, object?>>
{
    /// <summary>More than any metrics back end keeps per series; past it, an Add throws and names the bound.</summary>
    public const int MaxTags = 32;

    private readonly List<KeyValuePair<string, object?>> _tags = [];

    public int Count
    {
        get
        {
            lock (_tags)
            {
                return _tags.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public void Add(KeyValuePair<string, object?> item)
    {
        ArgumentNullException.ThrowIfNull(item.Key);
        lock (_tags)
        {
            if (_tags.Count == MaxTags)
            {
                throw new InvalidOperationException($"A connection's metrics tags are limited to {MaxTags}: each is a dimension of kestrel.connection.duration, not a log of its requests.");
            }
            _tags.Add(item);
        }
    }

    public void Clear()
    {
        lock (_tags)
        {
            _tags.Clear();
        }
    }

    public bool Contains(KeyValuePair<string, object?> item)
    {
        lock (_tags)
        {
            return _tags.Contains(item);
        }
    }

    public void CopyTo(KeyValuePair<string, object?>[] array, int arrayIndex)
    {
        lock (_tags)
        {
            _tags.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(KeyValuePair<string, object?> item)
    {
        lock (_tags)
        {
            return _tags.Remove(item);
        }
    }

    /// <summary>A copy: enumerating is safe while other requests of the connection add.</summary>
    public KeyValuePair<string, object?>[] Snapshot()
    {
        lock (_tags)
        {
            return [.. _tags];
        }
    }

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, object?>>)Snapshot()).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
