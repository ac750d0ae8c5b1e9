using System.Text;

namespace Micro.AspNetCore;

/// <summary>
/// Response header names and values as the bytes the exchange writes, remembered by string reference: an app sets
/// the same strings on every response (the constants of HeaderNames, "text/plain; charset=utf-8"), so most are
/// encoded once, not per response; so is a whole checked line of a name and one value. Small tables per pooled
/// request, overwritten round-robin.
/// </summary>
internal sealed class HeaderBytes
{
    private const int Size = 16;
    private const int MaxRememberedLength = 256;
    private readonly string?[] _strings = new string?[Size];
    private readonly byte[]?[] _bytes = new byte[]?[Size];
    private int _next;
    private readonly string?[] _lineNames = new string?[Size];
    private readonly string?[] _lineValues = new string?[Size];
    private readonly byte[]?[] _lines = new byte[]?[Size];
    private int _nextLine;

    /// <summary>
    /// The line "name: value\r\n" composed and checked for these two strings on an earlier response, if it was
    /// remembered (<see cref="RememberLine"/>): copied as it is, neither encoded nor checked again.
    /// </summary>
    public bool TryGetLine(string name, string value, out ReadOnlySpan<byte> line)
    {
        for (var i = 0; i < Size; i++)
        {
            if (ReferenceEquals(_lineValues[i], value) && ReferenceEquals(_lineNames[i], name))
            {
                line = _lines[i];
                return true;
            }
        }
        line = default;
        return false;
    }

    /// <summary>Remembers a checked <paramref name="line"/> of a name and a value that came back (one array, once).</summary>
    public void RememberLine(string name, string value, ReadOnlySpan<byte> line)
    {
        _lineNames[_nextLine] = name;
        _lineValues[_nextLine] = value;
        _lines[_nextLine] = line.ToArray();
        _nextLine = (_nextLine + 1) % Size;
    }

    /// <summary>The ASCII bytes of <paramref name="text"/> (<see cref="AsciiBytes"/>), remembered.</summary>
    public ReadOnlySpan<byte> Of(string text) => Of(text, out _);

    /// <summary>
    /// A header name's or value's bytes: ASCII only, as on Kestrel, which refuses anything else with these words unless
    /// the app chose an encoding (this server offers none). Latin-1's encoder would have sent '?' for a character it
    /// cannot encode.
    /// </summary>
    public static byte[] AsciiBytes(string text)
    {
        if (text.AsSpan().IndexOfAnyExceptInRange('\0', '\u007F') is var beyond and >= 0)
        {
            throw new InvalidOperationException($"Invalid non-ASCII or control character in header: 0x{(int)text[beyond]:X4}");
        }
        return Encoding.ASCII.GetBytes(text);
    }

    /// <summary>As <see cref="Of(string)"/>; <paramref name="known"/> says the string was met before (a value that comes back).</summary>
    public ReadOnlySpan<byte> Of(string text, out bool known)
    {
        known = true;
        for (var i = 0; i < Size; i++)
        {
            if (ReferenceEquals(_strings[i], text))
            {
                return _bytes[i];
            }
        }
        known = false;
        var bytes = AsciiBytes(text);
        if (text.Length <= MaxRememberedLength)
        {
            _strings[_next] = text;
            _bytes[_next] = bytes;
            _next = (_next + 1) % Size;
        }
        return bytes;
    }
}
