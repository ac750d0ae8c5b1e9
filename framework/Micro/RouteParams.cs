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
    public string? this[string name]
    {
        get
        {
            for (var i = 0; i < _count; i++)
            {
                if (_names[i] == name)
                {
                    return Uri.UnescapeDataString(Encoding.UTF8.GetString(_captures[i].Of(_request.RawPath)));
                }
            }
            return null;
        }
    }

    /// <summary>How many parameters the route captured.</summary>
    public int Count => _count;

    /// <summary>Parameter <paramref name="name"/> as an integer; a missing or malformed value answers 400.</summary>
    public int GetInt(string name) =>
        int.TryParse(this[name], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HttpError(400, $"Route parameter '{name}' must be an integer.");

    /// <summary>Parameter <paramref name="name"/> as a 64-bit integer; a missing or malformed value answers 400.</summary>
    public long GetLong(string name) =>
        long.TryParse(this[name], System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new HttpError(400, $"Route parameter '{name}' must be an integer.");

    /// <summary>Parameter <paramref name="name"/> as a GUID; a missing or malformed value answers 400.</summary>
    public Guid GetGuid(string name) =>
        Guid.TryParse(this[name], out var value) ? value : throw new HttpError(400, $"Route parameter '{name}' must be a GUID.");

    internal void Set(string[] names, int count)
    {
        _names = names;
        _count = count;
    }

    internal void Reset()
    {
        _names = [];
        _count = 0;
    }
}
