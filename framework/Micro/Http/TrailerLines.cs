using System.Text;

namespace Micro.Http;

/// <summary>
/// Reads a trailer section the parser kept (<see cref="Micro.Parser.ChunkedDecoder.Trailers"/>): whole
/// <c>name:value\r\n</c> lines, each name a token and each value free of control characters, so each line splits at
/// its first colon and its value loses the spaces around it. Values are Latin-1, as the request's header values, or bytes for a host with its own rule.
/// </summary>
internal static class TrailerLines
{
    /// <summary>Takes the first field off <paramref name="lines"/>; false when none is left.</summary>
    public static bool TryTake(ref ReadOnlySpan<byte> lines, out string name, out string value)
    {
        if (!TryTakeBytes(ref lines, out var nameBytes, out var valueBytes))
        {
            (name, value) = ("", "");
            return false;
        }
        name = Encoding.Latin1.GetString(nameBytes);
        value = Encoding.Latin1.GetString(valueBytes);
        return true;
    }

    /// <summary>Takes the first field off <paramref name="lines"/> as bytes, for a host that decodes values its own way; false when none is left.</summary>
    public static bool TryTakeBytes(ref ReadOnlySpan<byte> lines, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        if (lines.IsEmpty)
        {
            name = default;
            value = default;
            return false;
        }
        var end = lines.IndexOf((byte)'\n');
        var line = lines[..(end - 1)];
        lines = lines[(end + 1)..];
        var colon = line.IndexOf((byte)':');
        name = line[..colon];
        value = line[(colon + 1)..].Trim(" \t"u8);
        return true;
    }
}
