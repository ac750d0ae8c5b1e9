using System.Text;
using Micro.Parser;

namespace Micro;

/// <summary>The values a route pattern captured, decoded when read. A bad typed value answers 400.</summary>
public sealed class RouteParams
{
    private readonly Request _request;
    private readonly ByteRange[] _captures;
    private string[] _names = [];
    private int _count;

    internal RouteParams(Request request, int capacity)
    {
        _request = request;
        _captures = new ByteRange[Math.Max(capacity, 1)];
    }

    internal Span<ByteRange> Captures => _captures;

    /// <summary>The decoded value of parameter <paramref name="name"/>, or null when the route has no such parameter.</summary>
    public string? this[string name] =>
        TryGetRaw(name, out var raw) ? Uri.UnescapeDataString(Encoding.UTF8.GetString(raw)) : null;

    /// <summary>The names of the parameters the route captured, in pattern order.</summary>
    internal ReadOnlySpan<string> Names => _names.AsSpan(0, _count);

    /// <summary>How many parameters the route captured.</summary>
    public int Count => _count;

    /// <summary>Parameter <paramref name="name"/> as an integer; a missing or malformed value answers 400.</summary>
    public int GetInt(string name) => Get<int>(name, "an integer");

    /// <summary>Parameter <paramref name="name"/> as a 64-bit integer; a missing or malformed value answers 400.</summary>
    public long GetLong(string name) => Get<long>(name, "an integer");

    /// <summary>Parameter <paramref name="name"/> as a GUID; a missing or malformed value answers 400.</summary>
    public Guid GetGuid(string name) => Get<Guid>(name, "a GUID");

    /// <summary>
    /// Parameter <paramref name="name"/> as <typeparamref name="T"/>, any type parsable from text (numbers,
    /// <see cref="Guid"/>, <see cref="DateOnly"/>, enums through <c>this[name]</c>...), with the invariant culture; a
    /// missing or malformed value answers 400. (<see cref="GetInt"/> and its siblings parse from the bytes, with no string.)
    /// </summary>
    public T Get<T>(string name) where T : ISpanParsable<T>
    {
        var text = this[name] ?? throw Missing(name, RequestValues.Describe<T>());
        if (T.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        throw new HttpError(400, $"Route parameter '{name}' must be {RequestValues.Describe<T>()}.");
    }

    /// <summary>Parses straight from the received bytes (no string) unless the value is percent-encoded.</summary>
    private T Get<T>(string name, string expected) where T : IUtf8SpanParsable<T>, ISpanParsable<T>
    {
        if (!TryGetRaw(name, out var raw))
        {
            throw Missing(name, expected);
        }
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        if (raw.IndexOf((byte)'%') < 0 ? T.TryParse(raw, culture, out var value) : T.TryParse(this[name], culture, out value))
        {
            return value;
        }
        throw new HttpError(400, $"Route parameter '{name}' must be {expected}.");
    }

    /// <summary>
    /// A parameter with no value: an optional one the request left out is the client's (400); a name the route's
    /// pattern does not have is a mistake in the handler (a typo), a server error that names the route's parameters.
    /// </summary>
    private Exception Missing(string name, string expected)
    {
        if (_request.RoutePattern is not { } route)
        {
            return new HttpError(400, $"Route parameter '{name}' must be {expected}.");
        }
        var declared = Routing.RoutePattern.Parse(route).SelectMany(pattern => pattern.ParameterNames).Distinct().ToArray();
        return declared.Contains(name)
            ? new HttpError(400, $"Route parameter '{name}' must be {expected}.")
            : new InvalidOperationException($"Route '{route}' has no parameter '{name}' (its parameters: {(declared.Length == 0 ? "none" : string.Join(", ", declared))}): the handler asks for a name its pattern does not have.");
    }

    private bool TryGetRaw(string name, out ReadOnlySpan<byte> raw)
    {
        for (var i = 0; i < _count; i++)
        {
            if (_names[i] == name)
            {
                raw = _captures[i].Of(_request.RawPath);
                return true;
            }
        }
        raw = default;
        return false;
    }

    internal void Set(string[] names, int count)
    {
        if (!ReferenceEquals(_names, names))
        {
            _names = names; // a route's names again (the same route request after request) store nothing: no write barrier
        }
        _count = count;
    }

    internal void CopyTo(RouteParams destination)
    {
        _captures.AsSpan(0, _count).CopyTo(destination._captures);
        destination.Set(_names, _count);
    }

    internal void Reset()
    {
        _count = 0; // the names stay (read only up to the count), so the next request's route, likely the same, stores nothing
    }
}
