using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Micro.Transport;

/// <summary>
/// Hints that ask the core to start loading memory it will read soon: for state one thread wrote and another is
/// about to read (a request the reactor parsed, a response a lane packed), whose first touch on the other core is a
/// miss each. Issued one step ahead while the current item is worked on, the load overlaps that work instead of
/// stalling the next. A hint only: an address is a number noted at one moment (a collection may move the object
/// after), and a prefetch never faults, whatever the address; it costs one instruction, and where .NET exposes none
/// (Arm64), nothing.
/// </summary>
internal static unsafe class CacheLines
{
    private const int LineSize = 64;

    /// <summary>Where <paramref name="target"/> is now: a hint's address, never dereferenced.</summary>
    public static nint AddressOf(object? target) => target is null ? 0 : Unsafe.As<object, nint>(ref target);

    /// <summary>Where <paramref name="items"/> start now: a hint's address, never dereferenced.</summary>
    public static nint AddressOf<T>(ReadOnlySpan<T> items) =>
        items.IsEmpty ? 0 : (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(items));

    /// <summary>The first <paramref name="lines"/> cache lines of <paramref name="target"/> (up to four).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(object? target, int lines = 1) => Prefetch(AddressOf(target), lines * LineSize);

    /// <summary>The lines holding <paramref name="bytes"/> bytes from <paramref name="address"/> (up to four; none for address 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(nint address, int bytes)
    {
        if (!Sse.IsSupported || address == 0)
        {
            return;
        }
        var start = (byte*)address;
        var end = start + Math.Min(bytes, 4 * LineSize);
        for (var line = start; line < end; line += LineSize)
        {
            Sse.Prefetch0(line);
        }
    }
}
