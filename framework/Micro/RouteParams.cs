using System.Text;
using Micro.Parser;

namespace Micro;

/// <summary>
/// The values a route pattern captured, decoded when read: a view of what the request keeps of its route's match, made
/// when a handler first asks for it. A bad typed value answers 400.
/// </summary>
public sealed class RouteParams
{
    private readonly Request _request;

    internal RouteParams(Request request) => _request = request;

    /// <summary>The decoded value of parameter <paramref name="name"/>, or null when the route has no such parameter.</summary>
    public string? this[string name] =>
        TryGetRaw(name, out var raw) ? Uri.UnescapeDataString(Encoding.UTF8.GetString(raw)) : null;

    /// <summary>The names of the parameters the route captured, in pattern order.</summary>
    internal ReadOnlySpan<string> Names => _request.RouteNames;

    /// <summary>How many parameters the route captured.</summary>
    public int Count => _request.RouteNames.Length;

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
        var names = _request.RouteNames;
        for (var i = 0; i < names.Length; i++)
        {
            if (names[i] == name)
            {
                raw = _request.RouteRanges[i].Of(_request.RawPath);
                return true;
            }
        }
        raw = default;
        return false;
    }
}
