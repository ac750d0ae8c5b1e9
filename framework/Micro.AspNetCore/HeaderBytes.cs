using System.Text;

namespace Micro.AspNetCore;

/// <summary>
/// Response header names and values as the bytes the exchange writes, remembered by string reference: an app sets
/// the same strings on every response (the constants of HeaderNames, "text/plain; charset=utf-8"), so most are
/// encoded once, not per response. A small table per pooled request, overwritten round-robin.
/// </summary>
internal sealed class HeaderBytes
{
    private const int Size = 16;
    private const int MaxRememberedLength = 256;
    private readonly string?[] _strings = new string?[Size];
    private readonly byte[]?[] _bytes = new byte[]?[Size];
    private int _next;

    /// <summary>The Latin-1 bytes of <paramref name="text"/> (ASCII for a valid header).</summary>
    public ReadOnlySpan<byte> Of(string text)
    {
        for (var i = 0; i < Size; i++)
        {
            if (ReferenceEquals(_strings[i], text))
            {
                return _bytes[i];
            }
        }
        var bytes = Encoding.Latin1.GetBytes(text);
        if (text.Length <= MaxRememberedLength)
        {
            _strings[_next] = text;
            _bytes[_next] = bytes;
            _next = (_next + 1) % Size;
        }
        return bytes;
    }
}
