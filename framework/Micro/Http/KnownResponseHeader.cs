using System.Buffers.Binary;

namespace Micro.Http;

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

internal static class KnownResponseHeaders
{
    /// <summary>How many there are, <see cref="KnownResponseHeader.Other"/> included.</summary>
    public const int Count = 5;

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
}
