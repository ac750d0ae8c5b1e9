using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// The header fields an application sets on one response, kept as "Name: value\r\n" lines in one pooled array: set
/// (replacing), append, remove and read back, then written out once when the response is framed. Reused with its
/// exchange, so a response that sets headers allocates nothing once the pool is warm. The rules a header must follow
/// to be set live here too: the one home of a response's headers (<see cref="HttpExchange"/>'s header methods are its
/// public face).
/// </summary>
internal sealed class ResponseHeaders
{
    /// <summary>Headers whose values the server decides: framing and the connection's fate.</summary>
    public static bool IsServerManaged(ReadOnlySpan<byte> name) =>
        Ascii.EqualsIgnoreCase(name, "Content-Length"u8) || Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)
        || Ascii.EqualsIgnoreCase(name, "Date"u8) || Ascii.EqualsIgnoreCase(name, "Server"u8);

    /// <summary>A header value may not hold CR, LF or other control characters (RFC 9110 section 5.5): that would split the response.</summary>
    public static void Validate(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!Parser.HttpGrammar.IsToken(name))
        {
            throw new ArgumentException($"'{Encoding.ASCII.GetString(name)}' is not a valid header name.", nameof(name));
        }
        if (HoldsControlCharacter(value))
        {
            throw new ArgumentException($"The value of header '{Encoding.ASCII.GetString(name)}' holds a control character.", nameof(value));
        }
    }

    /// <summary>Whether a header value holds a byte a field value may not (RFC 9110 section 5.5: controls but tab, DEL).</summary>
    public static bool HoldsControlCharacter(ReadOnlySpan<byte> value) => value.IndexOfAny(s_controls) >= 0;

    /// <summary>The bytes a field value may not hold, searched a vector at a time.</summary>
    private static readonly SearchValues<byte> s_controls =
        SearchValues.Create([.. Enumerable.Range(0, 0x20).Where(b => b != '\t').Select(b => (byte)b), 0x7F]);

    /// <summary>
    /// The kind of a header named <paramref name="name"/> (any case), without a call: its length first, so most names
    /// are passed over with one test, then whole words with the 0x20 bit set, which folds ASCII letters to lower case.
    /// The one byte that folding could confuse ('-' with CR, for a name nobody validated) is compared as it is.
    /// </summary>
    public static KnownResponseHeader Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when (Word4(name, 0) | Fold4) == Word4("vary"u8, 0) => KnownResponseHeader.Vary,
        12 when IsContentDash(name) && (Word4(name, 8) | Fold4) == Word4("type"u8, 0) => KnownResponseHeader.ContentType,
        13 when IsContentDash(name) && (Word4(name, 8) | Fold4) == Word4("rang"u8, 0) && (name[12] | 0x20) == 'e' => KnownResponseHeader.ContentRange,
        16 when IsContentDash(name) && (Word8(name, 8) | Fold8) == Word8("encoding"u8, 0) => KnownResponseHeader.ContentEncoding,
        _ => KnownResponseHeader.Other,
    };

    private const uint Fold4 = 0x20202020;
    private const ulong Fold8 = 0x2020202020202020;

    private static bool IsContentDash(ReadOnlySpan<byte> name) => (Word8(name, 0) | Fold8) == Word8("content-"u8, 0) && name[7] == '-';

    private static uint Word4(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[at..]);

    private static ulong Word8(ReadOnlySpan<byte> bytes, int at) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[at..]);

    /// <summary>The name a known header is written with (inlined: the framework passes a constant, and the switch folds away).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ReadOnlySpan<byte> NameOf(KnownResponseHeader header) => header switch
    {
        KnownResponseHeader.ContentType => "Content-Type"u8,
        KnownResponseHeader.ContentEncoding => "Content-Encoding"u8,
        KnownResponseHeader.ContentRange => "Content-Range"u8,
        KnownResponseHeader.Vary => "Vary"u8,
        _ => NoName(header),
    };

    private static ReadOnlySpan<byte> NoName(KnownResponseHeader header) =>
        throw new ArgumentOutOfRangeException(nameof(header), header, "Only a known header has a name of its own here.");

    private const int KeptCapacity = 4096;
    private byte[] _bytes = [];
    private int _used;
    private Line[] _lines = [];
    private int _count;
    private KnownLines _known; // for each KnownResponseHeader, 1 + the index of its first live line; 0 when it has none

    /// <summary>Bytes the live lines take on the wire.</summary>
    public int Length { get; private set; }

    public bool IsEmpty => Length == 0;

    /// <summary>Adds a line, keeping any of the same name.</summary>
    public void Append(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => Append(name, value, Classify(name));

    private void Append(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value, KnownResponseHeader known)
    {
        var length = name.Length + 2 + value.Length + 2;
        EnsureRoom(length);
        var line = _bytes.AsSpan(_used, length);
        name.CopyTo(line);
        ": "u8.CopyTo(line[name.Length..]);
        value.CopyTo(line[(name.Length + 2)..]);
        "\r\n"u8.CopyTo(line[^2..]);
        AddLine(name.Length, length, known);
    }

    /// <summary>
    /// Adds a whole line of a known header as the framework composes it from constants ("Vary: Origin\r\n"),
    /// keeping any of the same name: one copy, where a name and a value are four.
    /// </summary>
    public void AppendLine(KnownResponseHeader header, ReadOnlySpan<byte> line)
    {
        var nameLength = NameOf(header).Length;
        System.Diagnostics.Debug.Assert(line.Length >= nameLength + 4 && Ascii.EqualsIgnoreCase(line[..nameLength], NameOf(header)) && line[nameLength] == ':' && line.EndsWith("\r\n"u8), "A framework line is 'Name: value\\r\\n' of its header.");
        EnsureRoom(line.Length);
        line.CopyTo(_bytes.AsSpan(_used));
        AddLine(nameLength, line.Length, header);
    }

    /// <summary>
    /// Adds whole lines composed and checked elsewhere ("Name: value\r\n" each, the names and values through
    /// <see cref="Validate"/>, none of them the server's): one copy for them all, each line classified by its name.
    /// </summary>
    public void AppendLines(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            var nameLength = lines.IndexOf((byte)':');
            var length = lines.IndexOf("\r\n"u8) + 2;
            if (nameLength <= 0 || length < nameLength + 2)
            {
                throw new ArgumentException("Header lines are 'Name: value\\r\\n' each.", nameof(lines));
            }
            EnsureRoom(length);
            lines[..length].CopyTo(_bytes.AsSpan(_used));
            AddLine(nameLength, length, Classify(lines[..nameLength]));
            lines = lines[length..];
        }
    }

    private void AddLine(int nameLength, int length, KnownResponseHeader known)
    {
        _lines[_count++] = new Line(_used, nameLength, length);
        if (known != KnownResponseHeader.Other && _known[(int)known] == 0)
        {
            _known[(int)known] = _count; // the first line of its name: lines go only by Remove, which takes every one of the name
        }
        _used += length;
        Length += length;
    }

    /// <summary>Replaces every line named <paramref name="name"/> (any case) with one.</summary>
    public void Set(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var known = Classify(name);
        Remove(name, known);
        Append(name, value, known);
    }

    /// <summary>Removes every line named <paramref name="name"/> (any case); returns how many there were.</summary>
    public int Remove(ReadOnlySpan<byte> name) => Remove(name, Classify(name));

    private int Remove(ReadOnlySpan<byte> name, KnownResponseHeader known)
    {
        if (known != KnownResponseHeader.Other)
        {
            if (_known[(int)known] == 0)
            {
                return 0;
            }
            _known[(int)known] = 0;
        }
        var removed = 0;
        for (var i = 0; i < _count; i++)
        {
            ref var line = ref _lines[i];
            if (!line.Removed && NameIs(line, name))
            {
                line = line with { Removed = true };
                Length -= line.Length;
                removed++;
            }
        }
        return removed;
    }

    /// <summary>The value of the first line named <paramref name="name"/> (any case).</summary>
    public bool TryGet(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        var known = Classify(name);
        if (known != KnownResponseHeader.Other)
        {
            return TryGet(known, out value);
        }
        for (var i = 0; i < _count; i++)
        {
            var line = _lines[i];
            if (!line.Removed && NameIs(line, name))
            {
                value = _bytes.AsSpan(line.Start + line.NameLength + 2, line.Length - line.NameLength - 4);
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>The value of the first line of a known header: where it is is kept, nothing is searched.</summary>
    public bool TryGet(KnownResponseHeader header, out ReadOnlySpan<byte> value)
    {
        var index = _known[(int)header] - 1;
        if (index < 0)
        {
            value = default;
            return false;
        }
        var line = _lines[index];
        value = _bytes.AsSpan(line.Start + line.NameLength + 2, line.Length - line.NameLength - 4);
        return true;
    }

    /// <summary>Every live line as (name, value), in the order set.</summary>
    public IEnumerable<(string Name, string Value)> ToList()
    {
        var list = new List<(string, string)>();
        for (var i = 0; i < _count; i++)
        {
            var line = _lines[i];
            if (!line.Removed)
            {
                list.Add((Encoding.Latin1.GetString(NameOf(line)), Encoding.Latin1.GetString(_bytes.AsSpan(line.Start + line.NameLength + 2, line.Length - line.NameLength - 4))));
            }
        }
        return list;
    }

    /// <summary>Copies the live lines, in the order set, into <paramref name="destination"/> (at least <see cref="Length"/> bytes); returns how many.</summary>
    public int CopyTo(Span<byte> destination)
    {
        if (Length == _used)
        {
            _bytes.AsSpan(0, _used).CopyTo(destination); // none removed: the lines lie end to end, copied at once
            return _used;
        }
        var at = 0;
        for (var i = 0; i < _count; i++)
        {
            var line = _lines[i];
            if (!line.Removed)
            {
                _bytes.AsSpan(line.Start, line.Length).CopyTo(destination[at..]);
                at += line.Length;
            }
        }
        return at;
    }

    /// <summary>Writes the live lines, in the order set.</summary>
    public void WriteTo(OutputBuffer output)
    {
        if (Length == _used)
        {
            output.Write(_bytes.AsSpan(0, _used)); // none removed: the lines lie end to end, written at once
            return;
        }
        for (var i = 0; i < _count; i++)
        {
            var line = _lines[i];
            if (!line.Removed)
            {
                output.Write(_bytes.AsSpan(line.Start, line.Length));
            }
        }
    }

    /// <summary>Forgets every line; keeps a small array for the next response, returns a large one.</summary>
    public void Clear()
    {
        if (_bytes.Length > KeptCapacity)
        {
            ArrayPool<byte>.Shared.Return(_bytes);
            _bytes = [];
            _lines = [];
        }
        _used = _count = Length = 0;
        _known = default;
    }

    private ReadOnlySpan<byte> NameOf(Line line) => _bytes.AsSpan(line.Start, line.NameLength);

    /// <summary>Whether the line is named <paramref name="name"/> (any case): its length and first byte, folded, are looked at before the call that compares the whole name.</summary>
    private bool NameIs(Line line, ReadOnlySpan<byte> name) =>
        line.NameLength == name.Length && name.Length > 0 && (_bytes[line.Start] | 0x20) == (name[0] | 0x20) && Ascii.EqualsIgnoreCase(NameOf(line), name);

    private void EnsureRoom(int length)
    {
        if (_used + length > _bytes.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_used + length, Math.Max(512, _bytes.Length * 2)));
            _bytes.AsSpan(0, _used).CopyTo(bigger);
            if (_bytes.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_bytes);
            }
            _bytes = bigger;
        }
        if (_count == _lines.Length)
        {
            Array.Resize(ref _lines, Math.Max(8, _lines.Length * 2));
        }
    }

    private readonly record struct Line(int Start, int NameLength, int Length, bool Removed = false);

    [System.Runtime.CompilerServices.InlineArray((int)KnownResponseHeader.Vary + 1)]
    private struct KnownLines
    {
        private int _first;
    }
}

/// <summary>
/// The response headers the framework reads back on a response's way (compression asks for the Content-Type, whether
/// a Content-Encoding or a Content-Range was set, and adds Vary): <see cref="ResponseHeaders"/> keeps where each one's
/// first line is, so asking costs an index, not a search of the lines.
/// </summary>
internal enum KnownResponseHeader : byte
{
    Other,
    ContentType,
    ContentEncoding,
    ContentRange,
    Vary,
}
