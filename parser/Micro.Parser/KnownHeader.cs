using System.Buffers.Binary;

namespace Micro.Parser;

/// <summary>The headers the server itself acts on.</summary>
internal enum KnownHeader : byte
{
    Other,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
}

/// <summary>
/// Recognises <see cref="KnownHeader"/> names by length, then by comparing whole words with the 0x20 bit set. Setting
/// that bit folds ASCII letters to lower case; for these names (letters and '-') it cannot make any other token
/// byte match, because the only other byte it maps onto '-' is CR, which is not a token character.
/// </summary>
internal static class KnownHeaders
{
    private const uint Fold4 = 0x20202020;
    private const ulong Fold8 = 0x2020202020202020;

    /// <summary>The lengths of the known names (4, 6, 10, 14, 17) as bits, so most headers are passed over with one test.</summary>
    private const uint KnownLengths = (1u << 4) | (1u << 6) | (1u << 10) | (1u << 14) | (1u << 17);

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool MayBeKnown(int nameLength) => nameLength < 32 && (KnownLengths & (1u << nameLength)) != 0;

    public static KnownHeader Classify(ReadOnlySpan<byte> name)
    {
        switch (name.Length)
        {
            case 4 when (Word4(name, 0) | Fold4) == Word4("host"u8, 0):
                return KnownHeader.Host;
            case 6 when (Word4(name, 0) | Fold4) == Word4("expect"u8, 0) && (Word4(name, 2) | Fold4) == Word4("expect"u8, 2):
                return KnownHeader.Expect;
            case 10 when (Word8(name, 0) | Fold8) == Word8("connection"u8, 0) && (Word8(name, 2) | Fold8) == Word8("connection"u8, 2):
                return KnownHeader.Connection;
            case 14 when (Word8(name, 0) | Fold8) == Word8("content-length"u8, 0) && (Word8(name, 6) | Fold8) == Word8("content-length"u8, 6):
                return KnownHeader.ContentLength;
            case 17 when (Word8(name, 0) | Fold8) == Word8("transfer-encoding"u8, 0) && (Word8(name, 8) | Fold8) == Word8("transfer-encoding"u8, 8)
                && (name[16] | 0x20) == 'g':
                return KnownHeader.TransferEncoding;
            default:
                return KnownHeader.Other;
        }
    }

    private static uint Word4(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);

    private static ulong Word8(ReadOnlySpan<byte> bytes, int offset) => BinaryPrimitives.ReadUInt64LittleEndian(bytes[offset..]);
}
