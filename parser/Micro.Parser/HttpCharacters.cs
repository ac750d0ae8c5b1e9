using System.Buffers;

namespace Micro.Parser;

/// <summary>The character classes of RFC 9110 and 9112 as vectorized sets, so one scan both finds a delimiter and validates what precedes it.</summary>
internal static class HttpCharacters
{
    private const string TokenCharacters =
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>tchar (RFC 9110 section 5.6.2): what methods, header names and transfer codings are made of.</summary>
    public static readonly SearchValues<byte> Token = SearchValues.Create(Ascii(TokenCharacters));

    /// <summary>Visible ASCII (0x21-0x7E): the bytes a request-target may hold; anything else ends it.</summary>
    public static readonly SearchValues<byte> Visible = SearchValues.Create(Range(0x21, 0x7E));

    /// <summary>The bytes that end or invalidate a field value: every control character but HTAB, and DEL. CR and LF are among them.</summary>
    public static readonly SearchValues<byte> FieldValueStop = SearchValues.Create([.. Range(0x00, 0x08), .. Range(0x0A, 0x1F), 0x7F]);

    /// <summary>What a Host value may hold: uri-host (reg-name, IPv4, IP-literal) and a port (RFC 3986 section 3.2.2).</summary>
    public static readonly SearchValues<byte> Host = SearchValues.Create(Ascii(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:[]%"));

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    public static bool IsTokenByte(byte b) => Token.Contains(b);

    private static byte[] Ascii(string characters) => System.Text.Encoding.ASCII.GetBytes(characters);

    private static byte[] Range(int first, int last)
    {
        var bytes = new byte[last - first + 1];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(first + i);
        }
        return bytes;
    }
}
