using System.Runtime.InteropServices;

namespace Micro.WebSockets;

/// <summary>
/// The zlib calls permessage-deflate needs (Debian's libz.so.1, present on every Debian and in .NET's images): raw
/// deflate with a chosen window size, which .NET's DeflateStream does not offer (it is fixed at 15 bits), and a sync
/// flush per message.
/// </summary>
internal static unsafe partial class Zlib
{
    private const string Library = "libz.so.1";

    public const int SyncFlush = 2;
    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int BufferError = -5;
    public const int Deflated = 8;
    public const int DefaultMemoryLevel = 8;
    public const int DefaultStrategy = 0;

    /// <summary>z_stream on LP64: three pointers and counters in, out, then msg, state, the allocator, and the checksums (112 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Stream
    {
        public byte* NextIn;
        public uint AvailableIn;
        public nuint TotalIn;
        public byte* NextOut;
        public uint AvailableOut;
        public nuint TotalOut;
        public byte* Message;
        public void* State;
        public void* Allocate;
        public void* Free;
        public void* Opaque;
        public int DataType;
        public nuint Adler;
        public nuint Reserved;
    }

    [LibraryImport(Library, EntryPoint = "zlibVersion")]
    private static partial byte* Version();

    [LibraryImport(Library, EntryPoint = "deflateInit2_")]
    private static partial int DeflateInit2(Stream* stream, int level, int method, int windowBits, int memoryLevel, int strategy, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "deflate")]
    public static partial int Deflate(Stream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "deflateReset")]
    public static partial int DeflateReset(Stream* stream);

    [LibraryImport(Library, EntryPoint = "deflateEnd")]
    public static partial int DeflateEnd(Stream* stream);

    [LibraryImport(Library, EntryPoint = "inflateInit2_")]
    private static partial int InflateInit2(Stream* stream, int windowBits, byte* version, int streamSize);

    [LibraryImport(Library, EntryPoint = "inflate")]
    public static partial int Inflate(Stream* stream, int flush);

    [LibraryImport(Library, EntryPoint = "inflateReset")]
    public static partial int InflateReset(Stream* stream);

    [LibraryImport(Library, EntryPoint = "inflateEnd")]
    public static partial int InflateEnd(Stream* stream);

    /// <summary>A raw deflate stream (negative window bits: no zlib header), as RFC 7692 wants.</summary>
    /// <summary>
    /// zlib's memory level for a window: its hash table has 2^(level + 7) heads, and each time the window slides (every
    /// window's worth of input) every head is rebased, so a small window with the default table (level 8, 32K heads)
    /// spends most of its time sliding: a client asking for server_max_window_bits=9 cost about 10x the CPU of the
    /// default window. Level = window bits - 7, between 4 and 8, keeps every window near the default's cost (measured
    /// per window in benchmarks/README.md) and its ratio within 4% of level 8's.
    /// </summary>
    public static int MemoryLevelFor(int windowBits) => Math.Clamp(windowBits - 7, 4, DefaultMemoryLevel);

    /// <summary>A raw deflate stream (negative window bits: no zlib header), as RFC 7692 wants.</summary>
    public static Stream* NewDeflater(int level, int windowBits) => NewDeflater(level, windowBits, MemoryLevelFor(windowBits));

    /// <summary>As <see cref="NewDeflater(int, int)"/> with a memory level of one's own (the benchmarks compare them).</summary>
    public static Stream* NewDeflater(int level, int windowBits, int memoryLevel)
    {
        var stream = (Stream*)NativeMemory.AllocZeroed((nuint)sizeof(Stream));
        var result = DeflateInit2(stream, level, Deflated, -windowBits, memoryLevel, DefaultStrategy, Version(), sizeof(Stream));
        if (result != Ok)
        {
            NativeMemory.Free(stream);
            throw new InvalidOperationException($"zlib deflateInit2 failed ({result}).");
        }
        return stream;
    }

    /// <summary>A raw inflate stream; with the default 15-bit window it takes any window the client used.</summary>
    public static Stream* NewInflater(int windowBits = 15)
    {
        var stream = (Stream*)NativeMemory.AllocZeroed((nuint)sizeof(Stream));
        var result = InflateInit2(stream, -windowBits, Version(), sizeof(Stream));
        if (result != Ok)
        {
            NativeMemory.Free(stream);
            throw new InvalidOperationException($"zlib inflateInit2 failed ({result}).");
        }
        return stream;
    }

    public static void FreeDeflater(Stream* stream)
    {
        DeflateEnd(stream);
        NativeMemory.Free(stream);
    }

    public static void FreeInflater(Stream* stream)
    {
        InflateEnd(stream);
        NativeMemory.Free(stream);
    }
}
