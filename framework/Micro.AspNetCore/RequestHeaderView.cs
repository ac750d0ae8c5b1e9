using System.Collections;
using System.Diagnostics.CodeAnalysis;
using Micro.Http;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// The request's headers as the app reads them (<c>HttpRequest.Headers</c>): a lookup finds the name in the parsed
/// head, in place, as Kestrel's request headers are read, where a dictionary was filled for every request that read
/// one header (a compression middleware's Accept-Encoding, an authentication handler's Authorization). A value becomes
/// a string when read, the same string from one request to the next (<see cref="RequestHeaderReader"/>). Anything
/// more than a lookup (a change, an enumeration, the count) copies the headers once into a dictionary, which serves
/// the rest of the request; so does the request's end, before its exchange goes back to its connection.
/// </summary>
internal sealed class RequestHeaderView(Func<HttpExchange?> exchange, RequestHeaderReader reader) : IHeaderDictionary
{
    private readonly HeaderDictionary _copy = new();
    private bool _copied;

    /// <summary>A new request: its headers are its exchange's again.</summary>
    public void Reset()
    {
        if (_copied)
        {
            _copy.Clear();
            _copied = false;
        }
    }

    /// <summary>The headers as a dictionary of their own, from now on until <see cref="Reset"/>.</summary>
    public HeaderDictionary Copy()
    {
        if (!_copied)
        {
            _copied = true;
            if (exchange() is { } current)
            {
                reader.Read(current.Head, current.RequestBytes, _copy);
            }
        }
        return _copy;
    }

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value)
    {
        if (!_copied && exchange() is { } current)
        {
            return reader.TryFind(current.Head, current.RequestBytes, key, out value);
        }
        return Copy().TryGetValue(key, out value);
    }

    public StringValues this[string key]
    {
        get => TryGetValue(key, out var value) ? value : StringValues.Empty;
        set => Copy()[key] = value;
    }

    StringValues IDictionary<string, StringValues>.this[string key]
    {
        get => this[key];
        set => this[key] = value;
    }

    public long? ContentLength
    {
        get => TryGetValue(HeaderNames.ContentLength, out var value) && value.Count == 1
            && HeaderUtilities.TryParseNonNegativeInt64(new StringSegment(value[0]).Trim(), out var length) ? length : null;
        set => Copy().ContentLength = value;
    }

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public ICollection<string> Keys => Copy().Keys;

    public ICollection<StringValues> Values => Copy().Values;

    public int Count => Copy().Count;

    public bool IsReadOnly => false;

    public void Add(string key, StringValues value) => Copy().Add(key, value);

    public void Add(KeyValuePair<string, StringValues> item) => Copy().Add(item);

    public void Clear() => Copy().Clear();

    public bool Contains(KeyValuePair<string, StringValues> item) => Copy().Contains(item);

    public void CopyTo(KeyValuePair<string, StringValues>[] array, int arrayIndex) => Copy().CopyTo(array, arrayIndex);

    public bool Remove(string key) => Copy().Remove(key);

    public bool Remove(KeyValuePair<string, StringValues> item) => Copy().Remove(item);

    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => Copy().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
