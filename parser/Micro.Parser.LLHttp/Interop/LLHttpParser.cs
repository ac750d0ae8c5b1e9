using System.Runtime.InteropServices;

namespace Micro.Parser.LLHttp.Interop;

/// <summary>llhttp_t (llhttp 8.1, llhttp.h): mirrored so the binding reads results without a call per field. native/build-llhttp.sh checks the layout.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LLHttpParser
{
    public int Index;
    public void* SpanPos0;
    public void* SpanCb0;
    public int Error;
    public byte* Reason;
    public byte* ErrorPos;
    public void* Data;
    public void* Current;
    public ulong ContentLength;
    public byte Type;
    public byte Method;
    public byte HttpMajor;
    public byte HttpMinor;
    public byte HeaderState;
    public byte LenientFlags;
    public byte Upgrade;
    public byte Finish;
    public ushort Flags;
    public ushort StatusCode;
    public byte InitialMessageCompleted;
    public void* Settings;

    // enum llhttp_flags
    public const ushort F_CONNECTION_KEEP_ALIVE = 0x1;
    public const ushort F_CONNECTION_CLOSE = 0x2;
    public const ushort F_CONNECTION_UPGRADE = 0x4;
    public const ushort F_CHUNKED = 0x8;
    public const ushort F_CONTENT_LENGTH = 0x20;
    public const ushort F_TRANSFER_ENCODING = 0x200;

    // enum llhttp_type
    public const int HTTP_REQUEST = 1;

    // enum llhttp_errno
    public const int HPE_OK = 0;
    public const int HPE_PAUSED = 21;
}
