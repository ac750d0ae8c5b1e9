using System.Reflection;
using Micro.Parser;

namespace Micro.Hosting;

/// <summary>
/// Loads, before the first connection, everything the request path would otherwise load on first use: a process that
/// later runs out of file descriptors (a flood past RLIMIT_NOFILE) can no longer open an assembly's file, and a parse
/// that needed one would fail. Found by the descriptor-limit test: System.Runtime.Intrinsics, loaded by the parser's
/// first vectorized scan, could not be opened at the limit and that client was closed unanswered.
/// </summary>
internal static class StartupWarmup
{
    private static int _done;

    public static void Run()
    {
        if (Interlocked.Exchange(ref _done, 1) == 1)
        {
            return;
        }
        LoadReferencedAssemblies();
        // Every kind of scan the parser does, once: short and long field lines (the vectorized path), a query, a body
        // by chunks with an extension and a trailer.
        var head = new RequestHead();
        RequestParser.Parse(
            "POST /warm-up/path?query=1&b=2 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: a field line longer than thirty-two bytes, to take the vector path\r\nTransfer-Encoding: chunked\r\nAccept: */*\r\n\r\n"u8,
            head, HttpParserLimits.Default);
        var chunked = new ChunkedDecoder(HttpParserLimits.Default);
        var body = "5;name=value\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"u8;
        while (!body.IsEmpty && chunked.Decode(body, out var used, out _) is not (ChunkedDecodeStatus.Completed or ChunkedDecodeStatus.Error) && used > 0)
        {
            body = body[used..];
        }
    }

    /// <summary>
    /// Loads the assemblies Micro and its parser reference. Not in a native image (Native AOT): its code is all in the
    /// executable, there is no file to open later, and asking for references is not supported there.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "Only loads what is referenced; a reference trimming removed fails to load and is passed over, as one this platform cannot load is.")]
    private static void LoadReferencedAssemblies()
    {
        if (!System.Runtime.CompilerServices.RuntimeFeature.IsDynamicCodeSupported)
        {
            return;
        }
        foreach (var assembly in new[] { typeof(StartupWarmup).Assembly, typeof(RequestParser).Assembly })
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                try
                {
                    Assembly.Load(reference);
                }
                catch (Exception error) when (error is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // A reference no code path here can reach on this platform; the first use would fail the same way.
                }
            }
        }
    }
}
