using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Micro.AspNetCore;

/// <summary>
/// HttpResponse.Headers in a Micro app: the Micro response's own headers, read and written through (a header ASP.NET
/// Core middleware sets is on <c>res</c>, one the route sets is here). Content-Length is kept here and checked
/// against the body (Micro frames the response itself); Server replaces the server's line; Date and
/// Transfer-Encoding are the server's and are kept here only to be read back.
/// </summary>
internal sealed class MicroResponseHeaders(Response response) : IHeaderDictionary
{
    private long? _contentLength;
    private Dictionary<string, StringValues>? _serverOwned;

    public long? ContentLength
    {
        get => _contentLength;
        set
        {
            ThrowIfStarted();
            ArgumentOutOfRangeException.ThrowIfNegative(value ?? 0, nameof(value));
            _contentLength = value;
        }
    }

    public void Reset()
    {
        _contentLength = null;
        _serverOwned?.Clear();
    }

    public bool IsReadOnly => response.Exchange.HasStarted;

    public StringValues this[string key]
    {
        get => TryGetValue(key, out var values) ? values : StringValues.Empty;
        set => Set(key, value);
    }

    StringValues IDictionary<string, StringValues>.this[string key]
    {
        get => TryGetValue(key, out var values) ? values : throw new KeyNotFoundException($"The response has no header '{key}'.");
        set => Set(key, value);
    }

    private void Set(string name, StringValues values)
    {
        ThrowIfStarted();
        if (IsName(name, "Content-Length"))
        {
            ContentLength = StringValues.IsNullOrEmpty(values) ? null : ParseLength(values);
            return;
        }
        if (IsName(name, "Server"))
        {
            response.Exchange.SetServerHeader(System.Text.Encoding.Latin1.GetBytes(values.ToString()));
            return;
        }
        if (IsName(name, "Date") || IsName(name, "Transfer-Encoding"))
        {
            (_serverOwned ??= new(StringComparer.OrdinalIgnoreCase))[name] = values;
            return;
        }
        Remove(name);
        foreach (var value in values)
        {
            if (value is not null)
            {
                Append(name, value);
            }
        }
    }

    private void Append(string name, string value)
    {
        if (response.Ended)
        {
            response.Exchange.AddHeader(name, value); // the route answered, nothing is sent yet: the response can still take it
        }
        else
        {
            response.AppendHeader(name, value);
        }
    }

    public bool Remove(string key)
    {
        ThrowIfStarted();
        if (IsName(key, "Content-Length"))
        {
            var had = _contentLength is not null;
            _contentLength = null;
            return had;
        }
        if (_serverOwned is not null && _serverOwned.Remove(key))
        {
            return true;
        }
        var found = response.GetHeader(key) is not null;
        if (found)
        {
            if (response.Ended)
            {
                response.Exchange.RemoveHeader(key);
            }
            else
            {
                response.RemoveHeader(key);
            }
        }
        return found;
    }

    public bool TryGetValue(string key, out StringValues value)
    {
        if (IsName(key, "Content-Length"))
        {
            value = _contentLength is { } length ? length.ToString(CultureInfo.InvariantCulture) : StringValues.Empty;
            return _contentLength is not null;
        }
        if (_serverOwned is not null && _serverOwned.TryGetValue(key, out value))
        {
            return true;
        }
        value = StringValues.Empty;
        foreach (var (name, text) in response.Headers)
        {
            if (IsName(name, key))
            {
                value = StringValues.Concat(value, text);
            }
        }
        return value.Count > 0;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public void Add(string key, StringValues value)
    {
        if (ContainsKey(key))
        {
            throw new ArgumentException($"The response already has a header '{key}'.", nameof(key));
        }
        Set(key, value);
    }

    public void Add(KeyValuePair<string, StringValues> item) => Add(item.Key, item.Value);

    public bool Remove(KeyValuePair<string, StringValues> item) => Remove(item.Key);

    public bool Contains(KeyValuePair<string, StringValues> item) => TryGetValue(item.Key, out var values) && values.Equals(item.Value);

    public void Clear()
    {
        foreach (var name in Keys.ToList())
        {
            Remove(name);
        }
    }

    public int Count => Snapshot().Count;

    public ICollection<string> Keys => Snapshot().Keys;

    public ICollection<StringValues> Values => Snapshot().Values;

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex) => ((ICollection<KeyValuePair<string, StringValues>>)Snapshot()).CopyTo(array, arrayIndex);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Every header as one entry per name, in the order first set (for enumeration, which is rare).</summary>
    private Dictionary<string, StringValues> Snapshot()
    {
        var all = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in response.Headers)
        {
            all[name] = all.TryGetValue(name, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
        if (_contentLength is { } length)
        {
            all["Content-Length"] = length.ToString(CultureInfo.InvariantCulture);
        }
        if (_serverOwned is not null)
        {
            foreach (var (name, values) in _serverOwned)
            {
                all[name] = values;
            }
        }
        return all;
    }

    private static long ParseLength(StringValues values) =>
        values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            ? length
            : throw new InvalidOperationException($"Invalid Content-Length: '{values}'. The value must be a non-negative integer.");

    private static bool IsName(string name, [NotNull] string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);

    private void ThrowIfStarted()
    {
        if (response.Exchange.HasStarted)
        {
            throw new InvalidOperationException("Headers are read-only, response has already started.");
        }
    }
}
