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
    public static Stream* NewDeflater(int level, int windowBits)
    {
        var stream = (Stream*)NativeMemory.AllocZeroed((nuint)sizeof(Stream));
        var result = DeflateInit2(stream, level, Deflated, -windowBits, DefaultMemoryLevel, DefaultStrategy, Version(), sizeof(Stream));
        if (result != Ok)
        {
            NativeMemory.Free(stream);
            throw new InvalidOperationException($"zlib deflateInit2 failed ({result}).");
        }
        return stream;
    }

    /// <summary>A raw inflate stream with a 15-bit window, which takes any window the client used.</summary>
    public static Stream* NewInflater()
    {
        var stream = (Stream*)NativeMemory.AllocZeroed((nuint)sizeof(Stream));
        var result = InflateInit2(stream, -15, Version(), sizeof(Stream));
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
