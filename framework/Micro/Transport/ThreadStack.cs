using System.Runtime.CompilerServices;
using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// The address range of one thread's stack, to tell whether the calling code runs on that thread from where one of
/// its own locals lies: threads' stacks never overlap, so a frame inside the range is that thread's. The reactor asks
/// at every response write whether it is on its thread; reading the current thread instead (a [ThreadStatic]) is a
/// call to <c>__tls_get_addr</c> in a runtime loaded as a shared library, and three of those were 6% of a pipelined
/// request's managed path. Unknown (every answer false) until taken, and after <see cref="Forget"/>.
/// </summary>
internal unsafe struct ThreadStack
{
    private nuint _low;
    private nuint _size;

    /// <summary>The calling thread's stack as the C library knows it (<c>pthread_getattr_np</c>); unknown when it cannot say.</summary>
    public static ThreadStack OfCallingThread()
    {
        var attributes = stackalloc byte[Libc.PthreadAttributesSize];
        if (Libc.PthreadGetAttrNp(Libc.PthreadSelf(), attributes) != 0)
        {
            return default;
        }
        try
        {
            void* low;
            nuint size;
            return Libc.PthreadAttrGetStack(attributes, &low, &size) == 0 ? new ThreadStack { _low = (nuint)low, _size = size } : default;
        }
        finally
        {
            _ = Libc.PthreadAttrDestroy(attributes);
        }
    }

    public readonly bool IsKnown => _size != 0;

    /// <summary>
    /// True when the caller runs on this stack's thread. Read from any thread while its owner sets or forgets it: a
    /// torn read (one field new, one old) is a range no other thread's frame lies in, or an empty one, so false, as
    /// it must be for a caller that is not the owner.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool HoldsCallingFrame()
    {
        byte frame = 0;
        return (nuint)(&frame) - _low < _size;
    }

    /// <summary>Called by the owner as it ends: its stack's addresses may then be given to a new thread.</summary>
    public void Forget() => _size = 0;
}
