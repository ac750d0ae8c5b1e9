using System.Runtime.InteropServices;

namespace Micro.Transport.Interop;

/// <summary>Turns a failed libc call into an exception that names the call and the errno.</summary>
internal static class Errno
{
    public static int Last => Marshal.GetLastPInvokeError();

    public static int ThrowIfFailed(int result, string call)
    {
        if (result < 0)
        {
            var errno = Last;
            throw new IOException($"{call} failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})", errno);
        }
        return result;
    }
}
