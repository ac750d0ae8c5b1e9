using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Micro.WebSockets;

/// <summary>The masking a client applies to every frame it sends (RFC 6455 section 5.3), taken off as the payload arrives.</summary>
internal static class FrameMask
{
    /// <summary>
    /// XORs <paramref name="source"/> with the 4-byte mask, starting at byte <paramref name="maskIndex"/> of it: 32 or
    /// 16 bytes at a time where the processor has vectors (a 16 KiB message is 512 steps, not 2,048), then 8, then one.
    /// </summary>
    public static void Unmask(ReadOnlySpan<byte> source, Span<byte> destination, uint mask, int maskIndex)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length);
        var rotated = BitOperations.RotateRight(mask, 8 * maskIndex);
        ref var from = ref MemoryMarshal.GetReference(source);
        ref var to = ref MemoryMarshal.GetReference(destination);
        var length = (nuint)source.Length;
        nuint i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 32)
        {
            var wide = Vector256.Create(rotated).AsByte();
            for (; i + 32 <= length; i += 32)
            {
                (Vector256.LoadUnsafe(ref from, i) ^ wide).StoreUnsafe(ref to, i);
            }
        }
        else if (Vector128.IsHardwareAccelerated && length >= 16)
        {
            var wide = Vector128.Create(rotated).AsByte();
            for (; i + 16 <= length; i += 16)
            {
                (Vector128.LoadUnsafe(ref from, i) ^ wide).StoreUnsafe(ref to, i);
            }
        }
        var eight = rotated | ((ulong)rotated << 32); // every step so far was a multiple of 4 bytes: the mask lines up still
        for (; i + 8 <= length; i += 8)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref to, i), Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref from, i)) ^ eight);
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref to, i) = (byte)(Unsafe.Add(ref from, i) ^ (byte)(rotated >> (int)(8 * (i & 3))));
        }
    }
}
