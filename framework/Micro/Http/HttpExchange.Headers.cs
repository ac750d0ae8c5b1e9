using System.Text;

namespace Micro.Http;

/// <summary>The response's header fields as the application sets them, kept in a <see cref="ResponseHeaders"/> store.</summary>
public sealed partial class HttpExchange
{
    private ResponseHeaders? _headers; // made for the first header a handler sets, kept with the pooled exchange

    /// <summary>Adds a response header, keeping any of the same name. Content-Length, Transfer-Encoding, Date and Server are the server's to set.</summary>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (CheckHeader(name, value))
        {
            (_headers ??= new ResponseHeaders()).Append(name, value);
        }
    }

    /// <summary>Sets a response header, replacing any of the same name (as one set by middleware earlier).</summary>
    public void SetHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (CheckHeader(name, value))
        {
            (_headers ??= new ResponseHeaders()).Set(name, value);
        }
    }

    /// <summary>Removes every response header named <paramref name="name"/>; true when there was one.</summary>
    public bool RemoveHeader(ReadOnlySpan<byte> name)
    {
        ThrowIfStarted();
        return _headers is not null && _headers.Remove(name) > 0;
    }

    /// <summary>The value of the first response header named <paramref name="name"/> set so far.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        return _headers is not null && _headers.TryGet(name, out value);
    }

    /// <summary>Every response header set so far, in order (not the server's: Date, Server, framing).</summary>
    public IEnumerable<(string Name, string Value)> ResponseHeaderList => _headers?.ToList() ?? [];

    /// <summary>Validates a header the application sets; false when it is consumed here (Connection: close).</summary>
    private bool CheckHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        ThrowIfStarted();
        ResponseHeaders.Validate(name, value);
        if (ResponseHeaders.IsServerManaged(name))
        {
            throw new InvalidOperationException($"The server sets the {Encoding.ASCII.GetString(name)} header itself.");
        }
        if (Ascii.EqualsIgnoreCase(name, "Connection"u8) && Ascii.EqualsIgnoreCase(value, "close"u8))
        {
            WantsClose = true;
            return false;
        }
        return true;
    }

    /// <summary>Adds a response header; both strings must be ASCII (Latin-1 bytes are sent as they are).</summary>
    public void AddHeader(string name, string value) => WithLatin1(name, value, static (exchange, n, v) => exchange.AddHeader(n, v));

    /// <summary>Sets a response header, replacing any of the same name; both strings must be ASCII.</summary>
    public void SetHeader(string name, string value) => WithLatin1(name, value, static (exchange, n, v) => exchange.SetHeader(n, v));

    /// <summary>Removes every response header named <paramref name="name"/> (ASCII); true when there was one.</summary>
    public bool RemoveHeader(string name)
    {
        Span<byte> nameBytes = stackalloc byte[Math.Min(name.Length, 256)];
        return RemoveHeader(Latin1(name, nameBytes));
    }

    /// <summary>The value of the first response header named <paramref name="name"/> (ASCII) set so far, or null.</summary>
    public string? GetHeader(string name)
    {
        Span<byte> nameBytes = stackalloc byte[Math.Min(name.Length, 256)];
        return TryGetHeader(Latin1(name, nameBytes), out var value) ? Encoding.Latin1.GetString(value) : null;
    }

    /// <summary>A header name's bytes: in <paramref name="scratch"/> when it fits (no allocation), else a new array.</summary>
    private static ReadOnlySpan<byte> Latin1(string name, Span<byte> scratch) =>
        name.Length <= scratch.Length ? scratch[..Encoding.Latin1.GetBytes(name, scratch)] : Encoding.Latin1.GetBytes(name);

    private delegate void HeaderAction(HttpExchange exchange, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value);

    private void WithLatin1(string name, string value, HeaderAction action)
    {
        Span<byte> nameBytes = stackalloc byte[Math.Min(name.Length, 256)];
        var encodedName = Latin1(name, nameBytes);
        var encodedValue = value.Length <= 1024 ? stackalloc byte[value.Length] : new byte[value.Length];
        Encoding.Latin1.GetBytes(value, encodedValue);
        action(this, encodedName, encodedValue);
    }
}
