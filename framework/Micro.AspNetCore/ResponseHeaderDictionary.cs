using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// The response's headers as the app sets them (<c>HttpResponse.Headers</c>): names and values in two arrays, in the
/// order set, found by a scan. A response has a handful of headers, set and read mostly by the framework's own name
/// constants, so the scan usually ends at a reference comparison, where a dictionary hashed every name, in any case,
/// on every set and every read (Kestrel keeps its known headers in fields for the same reason). Past
/// <see cref="ScannedCount"/> headers an index by name takes over, so an app that sets thousands stays linear.
/// Reused with its pooled request: cleared, not made again.
/// </summary>
internal sealed class ResponseHeaderDictionary : IHeaderDictionary
{
    /// <summary>Up to this many headers a scan finds a name; past it, the index does.</summary>
    private const int ScannedCount = 24;

    /// <summary>Room kept between requests; a response that needed more lets it go when cleared.</summary>
    private const int KeptCapacity = 32;

    private string[] _names = new string[8];
    private StringValues[] _values = new StringValues[8];
    private int _count;
    private Dictionary<string, int>? _index;
    private string? _parsedLength; // the Content-Length value last parsed, and what it said
    private long? _parsedLengthValue;

    /// <summary>Set once the response has started: a change then throws, as on Kestrel.</summary>
    public bool IsReadOnly { get; set; }

    public int Count => _count;

    public StringValues this[string key]
    {
        get => Find(key) is var at and >= 0 ? _values[at] : StringValues.Empty;
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            ThrowIfReadOnly();
            if (value.Count == 0)
            {
                RemoveAt(Find(key)); // no value: no header. An empty one is a header with an empty value, sent as Kestrel sends it
                return;
            }
            ThrowIfInvalidContentLength(key, value);
            var at = Find(key);
            if (at >= 0)
            {
                _values[at] = value;
                return;
            }
            Append(key, value);
        }
    }

    StringValues IDictionary<string, StringValues>.this[string key]
    {
        get => Find(key) is var at and >= 0 ? _values[at] : throw new KeyNotFoundException($"The response has no header '{key}'.");
        set => this[key] = value;
    }

    public long? ContentLength
    {
        get
        {
            var at = Find(HeaderNames.ContentLength);
            if (at < 0 || _values[at].Count != 1)
            {
                return null;
            }
            var text = _values[at][0];
            if (!ReferenceEquals(text, _parsedLength))
            {
                _parsedLengthValue = !string.IsNullOrEmpty(text) && HeaderUtilities.TryParseNonNegativeInt64(new StringSegment(text).Trim(), out var length) ? length : null;
                _parsedLength = text;
            }
            return _parsedLengthValue;
        }
        set
        {
            ThrowIfReadOnly();
            if (value is { } length)
            {
                this[HeaderNames.ContentLength] = HeaderUtilities.FormatNonNegativeInt64(length);
            }
            else
            {
                Remove(HeaderNames.ContentLength);
            }
        }
    }

    public ICollection<string> Keys => _names.AsSpan(0, _count).ToArray();

    public ICollection<StringValues> Values => _values.AsSpan(0, _count).ToArray();

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value)
    {
        var at = Find(key);
        value = at >= 0 ? _values[at] : default;
        return at >= 0;
    }

    public bool ContainsKey(string key) => Find(key) >= 0;

    public void Add(string key, StringValues value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ThrowIfReadOnly();
        if (Find(key) >= 0)
        {
            throw new ArgumentException($"The response already has a header '{key}'.", nameof(key));
        }
        Append(key, value);
    }

    public void Add(KeyValuePair<string, StringValues> item) => Add(item.Key, item.Value);

    public bool Remove(string key)
    {
        ThrowIfReadOnly();
        return RemoveAt(Find(key));
    }

    public bool Remove(KeyValuePair<string, StringValues> item)
    {
        ThrowIfReadOnly();
        var at = Find(item.Key);
        return at >= 0 && StringValues.Equals(_values[at], item.Value) && RemoveAt(at);
    }

    public bool Contains(KeyValuePair<string, StringValues> item) => Find(item.Key) is var at and >= 0 && StringValues.Equals(_values[at], item.Value);

    public void Clear()
    {
        ThrowIfReadOnly();
        Forget();
    }

    /// <summary>For the next request of the pooled run: empty and writable, whatever the last one left.</summary>
    public void Reset()
    {
        IsReadOnly = false;
        Forget();
    }

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex)
    {
        for (var i = 0; i < _count; i++)
        {
            array[arrayIndex + i] = new(_names[i], _values[i]);
        }
    }

    /// <summary>Nothing allocated: a foreach over this dictionary itself uses it.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, StringValues>> IEnumerable<KeyValuePair<string, StringValues>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int Find(string key)
    {
        if (_index is { } index)
        {
            return index.TryGetValue(key, out var indexed) ? indexed : -1;
        }
        var names = _names;
        for (var i = 0; i < _count; i++)
        {
            var name = names[i];
            if (ReferenceEquals(name, key) || (name.Length == key.Length && string.Equals(name, key, StringComparison.OrdinalIgnoreCase)))
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>
    /// A Content-Length that is not one non-negative number is the app's mistake, refused where it is set with
    /// Kestrel's words (a 500 unless the app catches it), rather than sent, or silently replaced by the body's length.
    /// </summary>
    private static void ThrowIfInvalidContentLength(string key, StringValues value)
    {
        if (key.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase)
            && !(value.Count == 1 && HeaderUtilities.TryParseNonNegativeInt64(new StringSegment(value[0]).Trim(), out _)))
        {
            throw new InvalidOperationException($"Invalid Content-Length: \"{value}\". Value must be a positive integral number.");
        }
    }

    private void Append(string key, StringValues value)
    {
        ThrowIfInvalidContentLength(key, value);
        if (_count == _names.Length)
        {
            Array.Resize(ref _names, _count * 2);
            Array.Resize(ref _values, _count * 2);
        }
        _names[_count] = key;
        _values[_count] = value;
        _index?.Add(key, _count);
        _count++;
        if (_count > ScannedCount && _index is null)
        {
            Reindex();
        }
    }

    private bool RemoveAt(int at)
    {
        if (at < 0)
        {
            return false;
        }
        _count--;
        Array.Copy(_names, at + 1, _names, at, _count - at); // the order set stays the order sent
        Array.Copy(_values, at + 1, _values, at, _count - at);
        _names[_count] = null!;
        _values[_count] = default;
        if (_index is not null)
        {
            Reindex();
        }
        return true;
    }

    private void Reindex()
    {
        if (_count <= ScannedCount)
        {
            _index = null; // few enough again for a scan
            return;
        }
        _index = new Dictionary<string, int>(_count, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < _count; i++)
        {
            _index.Add(_names[i], i);
        }
    }

    private void Forget()
    {
        if (_names.Length > KeptCapacity)
        {
            _names = new string[8];
            _values = new StringValues[8];
        }
        else
        {
            Array.Clear(_names, 0, _count);
            Array.Clear(_values, 0, _count);
        }
        _count = 0;
        _index = null;
    }

    private void ThrowIfReadOnly()
    {
        if (IsReadOnly)
        {
            throw new InvalidOperationException("Headers are read-only, response has already started.");
        }
    }

    /// <summary>The headers in the order set.</summary>
    public struct Enumerator(ResponseHeaderDictionary headers) : IEnumerator<KeyValuePair<string, StringValues>>
    {
        private int _at = -1;

        public readonly KeyValuePair<string, StringValues> Current => new(headers._names[_at], headers._values[_at]);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => ++_at < headers._count;

        public void Reset() => _at = -1;

        public readonly void Dispose()
        {
        }
    }
}
