using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Micro.Parser;

/// <summary>
/// The two scans the parser does most. Names and methods are short (a dozen bytes), where a table lookup per byte
/// beats setting up a vector search; field values are long, where comparing 32 bytes at a time pays.
/// </summary>
internal static class HttpScanner
{
    /// <summary>1 for tchar (RFC 9110 section 5.6.2), 0 otherwise; indexed by byte value.</summary>
    private static ReadOnlySpan<byte> TokenTable =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        // SP ! " # $ % & ' ( ) * + , - . / 0-9 : ; < = > ?
        0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
        // @ A-Z [ \ ] ^ _
        0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1,
        // ` a-z { | } ~ DEL
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ];

    /// <summary>Request-target bytes: 0 ends the target (not visible ASCII), 1 continues it, 2 is '?', 3 is '#', 4 is '%'.</summary>
    private static readonly byte[] TargetTable = BuildTable(b => b switch
    {
        (byte)'?' => 2,
        (byte)'#' => 3,
        (byte)'%' => 4,
        >= 0x21 and <= 0x7E => 1,
        _ => 0,
    });

    public static bool IsTokenByte(byte b) => TokenTable[b] != 0;

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    /// <summary>
    /// The length of the request-target at the start of <paramref name="bytes"/> (the run of visible ASCII), or -1
    /// when the bytes end first; notes the first '?', the first '%' and whether a '#' was seen, so the target is read once.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScanTarget(ReadOnlySpan<byte> bytes, out int queryMark, out int percentMark, out bool hasFragment)
    {
        ref var table = ref MemoryMarshal.GetArrayDataReference(TargetTable);
        queryMark = -1;
        percentMark = -1;
        hasFragment = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            var kind = Unsafe.Add(ref table, bytes[i]);
            if (kind == 1)
            {
                continue;
            }
            if (kind == 0)
            {
                return i;
            }
            if (kind == 2 && queryMark < 0)
            {
                queryMark = i;
            }
            else if (kind == 4 && percentMark < 0)
            {
                percentMark = i;
            }
            hasFragment |= kind == 3;
        }
        return -1;
    }

    /// <summary>The index of the first byte that is not a tchar, or -1 when every byte is one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int IndexOfNonToken(ReadOnlySpan<byte> bytes)
    {
        ref var table = ref MemoryMarshal.GetReference(TokenTable);
        for (var i = 0; i < bytes.Length; i++)
        {
            if (Unsafe.Add(ref table, bytes[i]) == 0)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>How many bytes <see cref="ScanFieldLine"/> looks at in one load.</summary>
    public const int LineVectorLength = 32;

    /// <summary>
    /// Looks at the first 32 bytes of a field line at once. When they hold a colon preceded only by letters, digits
    /// and '-' (as nearly every header name is), returns the colon's offset and, in <paramref name="stop"/>, the offset
    /// of the first byte after it that ends or invalidates the value (-1 when that lies beyond the 32 bytes).
    /// Otherwise returns -1 and the caller takes the exact byte-by-byte path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ScanFieldLine(ReadOnlySpan<byte> line, out int stop)
    {
        stop = -1;
        if (!Vector256.IsHardwareAccelerated || line.Length < LineVectorLength)
        {
            return -1;
        }
        var chunk = Vector256.LoadUnsafe(ref MemoryMarshal.GetReference(line));
        var colons = Vector256.Equals(chunk, Vector256.Create((byte)':')).ExtractMostSignificantBits();
        if (colons == 0)
        {
            return -1;
        }
        var colon = BitOperations.TrailingZeroCount(colons);
        var letter = Vector256.LessThanOrEqual((chunk | Vector256.Create((byte)0x20)) - Vector256.Create((byte)'a'), Vector256.Create((byte)25));
        var digit = Vector256.LessThanOrEqual(chunk - Vector256.Create((byte)'0'), Vector256.Create((byte)9));
        var dash = Vector256.Equals(chunk, Vector256.Create((byte)'-'));
        var plain = (letter | digit | dash).ExtractMostSignificantBits();
        var name = (1u << colon) - 1;
        if (colon == 0 || (plain & name) != name)
        {
            return -1;
        }
        var stops = ((Vector256.LessThan(chunk, Vector256.Create((byte)0x20)) & ~Vector256.Equals(chunk, Vector256.Create((byte)'\t')))
            | Vector256.Equals(chunk, Vector256.Create((byte)0x7F))).ExtractMostSignificantBits();
        var afterColon = stops & ~(name | (1u << colon));
        if (afterColon != 0)
        {
            stop = BitOperations.TrailingZeroCount(afterColon);
        }
        return colon;
    }

    /// <summary>The index of the first byte that cannot be in a field value (a control character other than HTAB, or DEL), or -1.</summary>
    public static int IndexOfFieldValueStop(ReadOnlySpan<byte> bytes)
    {
        ref var start = ref MemoryMarshal.GetReference(bytes);
        var length = (nuint)bytes.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated && length >= (nuint)Vector256<byte>.Count)
        {
            var space = Vector256.Create((byte)0x20);
            var tab = Vector256.Create((byte)'\t');
            var del = Vector256.Create((byte)0x7F);
            var last = length - (nuint)Vector256<byte>.Count;
            while (true)
            {
                var chunk = Vector256.LoadUnsafe(ref start, Math.Min(i, last));
                var stops = (Vector256.LessThan(chunk, space) & ~Vector256.Equals(chunk, tab)) | Vector256.Equals(chunk, del);
                if (stops != Vector256<byte>.Zero)
                {
                    return (int)(Math.Min(i, last) + (nuint)BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits()));
                }
                if (i >= last)
                {
                    return -1;
                }
                i += (nuint)Vector256<byte>.Count;
            }
        }
        if (Vector128.IsHardwareAccelerated && length >= (nuint)Vector128<byte>.Count)
        {
            var space = Vector128.Create((byte)0x20);
            var tab = Vector128.Create((byte)'\t');
            var del = Vector128.Create((byte)0x7F);
            var last = length - (nuint)Vector128<byte>.Count;
            while (true)
            {
                var chunk = Vector128.LoadUnsafe(ref start, Math.Min(i, last));
                var stops = (Vector128.LessThan(chunk, space) & ~Vector128.Equals(chunk, tab)) | Vector128.Equals(chunk, del);
                if (stops != Vector128<byte>.Zero)
                {
                    return (int)(Math.Min(i, last) + (nuint)BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits()));
                }
                if (i >= last)
                {
                    return -1;
                }
                i += (nuint)Vector128<byte>.Count;
            }
        }
        for (; i < length; i++)
        {
            var b = Unsafe.Add(ref start, i);
            if ((b < 0x20 && b != '\t') || b == 0x7F)
            {
                return (int)i;
            }
        }
        return -1;
    }

    internal static byte[] BuildTable(Func<byte, byte> classify)
    {
        var table = new byte[256];
        for (var b = 0; b < table.Length; b++)
        {
            table[b] = classify((byte)b);
        }
        return table;
    }
}
