using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Micro;

/// <summary>
/// Named values of a request, the query string's parameters (<c>req.Query</c>) or its headers (<c>req.Headers</c>):
/// <c>req.Query["q"]</c> (empty when absent, several values when repeated) and typed getters,
/// <c>req.Query.Get&lt;int&gt;("page") ?? 1</c>, where a malformed value answers 400. A query's typed getters read its
/// plain parameters where they lie (<see cref="QueryBytes"/>), without making a dictionary of strings of them.
/// </summary>
public sealed class RequestValues : IReadOnlyDictionary<string, StringValues>
{
    internal static readonly RequestValues NoQuery = new(new Dictionary<string, StringValues>(), "Query parameter");
    private Dictionary<string, StringValues>? _values;
    private readonly string _kind;
    private readonly Request? _query; // the request whose query this is, read in place until something needs the dictionary

    internal RequestValues(Dictionary<string, StringValues> values, string kind)
    {
        _values = values;
        _kind = kind;
    }

    /// <summary>
    /// A request's query string parameters, read from the request as its <see cref="RouteParams"/> are: made once per
    /// pooled request, and, like the request itself, its own only while the request lasts.
    /// </summary>
    internal RequestValues(Request query)
    {
        _query = query;
        _kind = "Query parameter";
    }

    /// <summary>The values by name: parsed from the query (decoded, keys in any case) the first time something needs them all.</summary>
    private Dictionary<string, StringValues> All =>
        _values ??= QueryHelpers.ParseQuery(System.Text.Encoding.UTF8.GetString(_query!.QueryBytes));

    /// <summary>The next request of the pooled request: what was parsed of the last one's query is forgotten.</summary>
    internal void Forget()
    {
        if (_values is not null)
        {
            _values = null;
        }
    }

    /// <summary>The values of <paramref name="key"/>; empty (not an exception) when there are none.</summary>
    public StringValues this[string key] => All.TryGetValue(key, out var values) ? values : StringValues.Empty;

    /// <summary>The first value of <paramref name="name"/> parsed as <typeparamref name="T"/>, or null when absent; a malformed value answers 400.</summary>
    public T? Get<T>(string name) where T : struct, ISpanParsable<T>
    {
        if (_values is null && _query is not null && QueryBytes.TryFindFirst(_query.QueryBytes, name, out var raw))
        {
            return FromPlain<T>(raw, _kind, name);
        }
        if (!All.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }
        if (T.TryParse(values[0], CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        throw Malformed<T>(_kind, name, values[0]!);
    }

    /// <summary>A value found in place (<see cref="QueryBytes"/>: plain ASCII, and short) as <typeparamref name="T"/>; empty is none.</summary>
    internal static T? FromPlain<T>(ReadOnlySpan<byte> raw, string kind, string name) where T : struct, ISpanParsable<T>
    {
        if (raw.IsEmpty)
        {
            return null;
        }
        Span<char> text = stackalloc char[raw.Length];
        System.Text.Ascii.ToUtf16(raw, text, out _);
        return T.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value : throw Malformed<T>(kind, name, new string(text));
    }

    private static HttpError Malformed<T>(string kind, string name, string value) => new(400, $"{kind} '{name}' must be {Describe<T>()}, not '{value}'.");

    /// <summary>The first value of <paramref name="name"/> parsed as <typeparamref name="T"/>, or <paramref name="defaultValue"/> when absent; a malformed value answers 400.</summary>
    public T Get<T>(string name, T defaultValue) where T : struct, ISpanParsable<T> => Get<T>(name) ?? defaultValue;

    /// <summary>The first value of <paramref name="name"/> as an integer, or <paramref name="defaultValue"/>; a malformed value answers 400.</summary>
    public int GetInt(string name, int defaultValue = 0) => Get(name, defaultValue);

    /// <summary>The first value of <paramref name="name"/> as true or false (any case), or <paramref name="defaultValue"/>; anything else answers 400.</summary>
    public bool GetBool(string name, bool defaultValue = false) => Get(name, defaultValue);

    internal static string Describe<T>() => typeof(T) switch
    {
        var t when t == typeof(int) || t == typeof(long) || t == typeof(short) => "an integer",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(Guid) => "a GUID",
        var t when t == typeof(double) || t == typeof(decimal) || t == typeof(float) => "a number",
        var t => $"a {t.Name}",
    };

    /// <inheritdoc/>
    public IEnumerable<string> Keys => All.Keys;

    /// <inheritdoc/>
    public IEnumerable<StringValues> Values => All.Values;

    /// <inheritdoc/>
    public int Count => All.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => All.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value) => All.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => All.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
