namespace Micro.Transport.Interop;

/// <summary>
/// sendfile(2) has no MSG_NOSIGNAL: writing to a peer that reset raises SIGPIPE, whose default action ends the
/// process. The .NET runtime ignores SIGPIPE, but a host may not have; the server makes sure at start.
/// </summary>
internal static unsafe class BrokenPipeSignal
{
    /// <summary>Ignores SIGPIPE if its action is the default (a handler someone installed is left alone).</summary>
    public static void EnsureIgnored()
    {
        if (Handler() == Libc.SIG_DFL)
        {
            Libc.Signal(Libc.SIGPIPE, Libc.SIG_IGN);
        }
    }

    /// <summary>SIGPIPE's current sa_handler: SIG_DFL, SIG_IGN or a function.</summary>
    public static nint Handler()
    {
        var old = stackalloc byte[Libc.SigActionSize];
        new Span<byte>(old, Libc.SigActionSize).Clear();
        Errno.ThrowIfFailed(Libc.SigAction(Libc.SIGPIPE, null, old), "sigaction(SIGPIPE)");
        return *(nint*)old;
    }
}
