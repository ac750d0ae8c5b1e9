using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// The app's response headers as the header lines the exchange takes ("Name: value\r\n", each checked as the
/// exchange checks them), encoded once, off the reactor: at the response's first flush (where a header the exchange
/// would refuse fails the app's call, as on Kestrel) or when the whole response is packed. The framing headers are the
/// server's and left out; the app's Server value and a Connection: close are kept aside. Reused with its pooled run.
/// </summary>
internal sealed class EncodedHead
{
    private byte[] _lines = new byte[512];

    /// <summary>The lines, in the app's order.</summary>
    public ReadOnlySpan<byte> Lines => _lines.AsSpan(0, Length);

    public int Length { get; private set; }

    /// <summary>Whether the app set a Server header (it replaces the server's): its value is <see cref="ServerValue"/>.</summary>
    public bool HasServer { get; private set; }

    public ReadOnlySpan<byte> ServerValue => _server.AsSpan(0, _serverLength);

    private byte[] _server = new byte[32];
    private int _serverLength;
    private string? _serverText; // the string _server holds the checked bytes of

    /// <summary>The app asked for Connection: close.</summary>
    public bool Close { get; private set; }

    /// <summary>Encodes <paramref name="headers"/>; throws ArgumentException for a name or value the exchange would refuse.</summary>
    public void Encode(IHeaderDictionary headers, HeaderBytes strings)
    {
        Length = 0;
        HasServer = false;
        Close = false;
        if (headers is ResponseHeaderDictionary own)
        {
            foreach (var (name, values) in own) // the struct enumerator: nothing allocated, where the interface's is boxed
            {
                Add(name, values, strings);
            }
            return;
        }
        foreach (var (name, values) in headers) // a dictionary middleware put in its place
        {
            Add(name, values, strings);
        }
    }

    private void Add(string name, Microsoft.Extensions.Primitives.StringValues values, HeaderBytes strings)
    {
        switch (ServerManaged(name))
        {
            case ManagedHeader.Framing:
                return;
            case ManagedHeader.Server:
                var text = values.ToString(); // one value: the app's own string
                if (!ReferenceEquals(text, _serverText)) // the same Server on every response: checked and copied once
                {
                    var server = strings.Of(text);
                    Micro.Http.ResponseHeaders.Validate("Server"u8, server);
                    if (server.Length > _server.Length)
                    {
                        _server = new byte[server.Length];
                    }
                    server.CopyTo(_server);
                    _serverLength = server.Length;
                    _serverText = text;
                }
                HasServer = true;
                return;
            case ManagedHeader.Connection:
                Close |= values.ToString().Contains("close", StringComparison.OrdinalIgnoreCase);
                return;
        }
        if (values.Count == 1 && strings.TryGetLine(name, values[0]!, out var known))
        {
            Append(known); // the same name and value as on an earlier response: checked then
            return;
        }
        var nameBytes = strings.Of(name);
        foreach (var value in values)
        {
            var start = Length;
            var valueBytes = strings.Of(value ?? "", out var seenBefore);
            Micro.Http.ResponseHeaders.Validate(nameBytes, valueBytes);
            Append(nameBytes);
            Append(": "u8);
            Append(valueBytes);
            Append("\r\n"u8);
            if (seenBefore && values.Count == 1)
            {
                strings.RememberLine(name, value!, _lines.AsSpan(start, Length - start)); // it came back: the next time, one copy
            }
        }
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (Length + bytes.Length > _lines.Length)
        {
            Array.Resize(ref _lines, Math.Max(Length + bytes.Length, _lines.Length * 2));
        }
        bytes.CopyTo(_lines.AsSpan(Length));
        Length += bytes.Length;
    }

    public void Reset()
    {
        Length = 0;
        HasServer = false;
        Close = false;
        if (_lines.Length > 16 * 1024)
        {
            _lines = new byte[512]; // one response's many headers are not kept for every later one
        }
    }

    /// <summary>The headers the server frames or replaces, by length first: most names are none of these, passed over without a comparison.</summary>
    public static ManagedHeader ServerManaged(string name) => name.Length switch
    {
        4 when name.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        6 when name.Equals(HeaderNames.Server, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Server,
        10 when name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Connection,
        14 when name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        17 when name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        _ => ManagedHeader.None,
    };
}

/// <summary>How the server treats a response header the app set.</summary>
internal enum ManagedHeader
{
    None,
    Framing,
    Server,
    Connection,
}
