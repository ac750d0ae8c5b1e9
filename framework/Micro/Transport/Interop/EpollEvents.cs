using System.Runtime.InteropServices;

namespace Micro.Transport.Interop;

/// <summary>
/// struct epoll_event is packed on x86-64 (12 bytes: events, then data at offset 4) and naturally aligned elsewhere
/// (16 bytes, data at offset 8), so the transport reads and writes it by offset rather than through one C# layout.
/// </summary>
internal static unsafe class EpollEvents
{
    public static readonly int Size = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    public static uint EventsAt(byte* events, int index) => *(uint*)(events + index * Size);

    public static ulong DataAt(byte* events, int index) => *(ulong*)(events + index * Size + DataOffset);

    /// <summary>epoll_ctl with one event built on the stack.</summary>
    public static int Control(int epoll, int operation, int fd, uint events, ulong data)
    {
        var entry = stackalloc byte[16];
        *(uint*)entry = events;
        *(ulong*)(entry + DataOffset) = data;
        return Libc.EpollCtl(epoll, operation, fd, entry);
    }
}
