using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.Extensions.Primitives;

namespace Micro;

/// <summary>
/// Named values of a request, the query string's parameters (<c>req.Query</c>) or its headers (<c>req.Headers</c>):
/// <c>req.Query["q"]</c> (empty when absent, several values when repeated) and typed getters,
/// <c>req.Query.Get&lt;int&gt;("page") ?? 1</c>, where a malformed value answers 400.
/// </summary>
public sealed class RequestValues : IReadOnlyDictionary<string, StringValues>
{
    internal static readonly RequestValues NoQuery = new([], "Query parameter");
    private readonly Dictionary<string, StringValues> _values;
    private readonly string _kind;

    internal RequestValues(Dictionary<string, StringValues> values, string kind)
    {
        _values = values;
        _kind = kind;
    }

    /// <summary>The values of <paramref name="key"/>; empty (not an exception) when there are none.</summary>
    public StringValues this[string key] => _values.TryGetValue(key, out var values) ? values : StringValues.Empty;

    /// <summary>The first value of <paramref name="name"/> parsed as <typeparamref name="T"/>, or null when absent; a malformed value answers 400.</summary>
    public T? Get<T>(string name) where T : struct, ISpanParsable<T>
    {
        if (!_values.TryGetValue(name, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }
        if (T.TryParse(values[0], CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        throw new HttpError(400, $"{_kind} '{name}' must be {Describe<T>()}, not '{values[0]}'.");
    }

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
    public IEnumerable<string> Keys => _values.Keys;

    /// <inheritdoc/>
    public IEnumerable<StringValues> Values => _values.Values;

    /// <inheritdoc/>
    public int Count => _values.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _values.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out StringValues value) => _values.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, StringValues>> GetEnumerator() => _values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
