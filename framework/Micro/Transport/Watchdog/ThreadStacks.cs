using System.Text;

namespace Micro.Transport.Watchdog;

/// <summary>
/// Where a thread is now, as managed frames with method names: for a reactor that has stopped turning. .NET cannot
/// walk another thread's stack from inside the process, so this does what dotnet-stack does, from inside: an EventPipe
/// session through the runtime's own diagnostic socket samples every thread's stack for a moment, the rundown at its
/// end names every method's code, and the samples of the one thread are read back (<see cref="NetTraceReader"/>). It
/// costs a few hundred milliseconds of a background thread and nothing until it is asked for.
/// </summary>
internal static class ThreadStacks
{
    private const int MaxTraceBytes = 64 * 1024 * 1024;
    private const int MaxFrames = 48;

    private static readonly DiagnosticsIpc.Provider[] Providers =
    [
        new("Microsoft-DotNETCore-SampleProfiler", 0, 4),
        // JIT (0x10), loader (0x8) and pre-compiled code (0x20): names for methods compiled while the session runs.
        new("Microsoft-Windows-DotNETRuntime", 0x38, 5),
    ];

    /// <summary>
    /// The managed stack of the thread with OS id <paramref name="threadId"/>, innermost frame first, one per line; or
    /// why it could not be had (no diagnostic server, a session refused, no sample of that thread).
    /// </summary>
    public static async Task<string> CaptureAsync(int threadId, TimeSpan sampling, CancellationToken cancellationToken)
    {
        if (DiagnosticsIpc.SocketPath() is not { } socketPath)
        {
            return "(no stack: the runtime's diagnostic server is off here, DOTNET_EnableDiagnostics=0 or no writable TMPDIR)";
        }
        byte[] trace;
        try
        {
            trace = await CollectAsync(socketPath, sampling, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            return $"(no stack: the diagnostic session failed: {exception.Message})";
        }
        NetTraceReader read;
        try
        {
            read = NetTraceReader.Read(trace);
        }
        catch (InvalidDataException exception)
        {
            return $"(no stack: {exception.Message})";
        }
        return Describe(read, threadId);
    }

    private static async Task<byte[]> CollectAsync(string socketPath, TimeSpan sampling, CancellationToken cancellationToken)
    {
        var (connection, session) = await DiagnosticsIpc.StartSessionAsync(socketPath, Providers, rundown: true, cancellationToken).ConfigureAwait(false);
        using (connection)
        {
            var trace = new MemoryStream();
            var reading = ReadAllAsync(connection, trace, cancellationToken);
            await Task.Delay(sampling, cancellationToken).ConfigureAwait(false);
            await DiagnosticsIpc.StopSessionAsync(socketPath, session, cancellationToken).ConfigureAwait(false);
            await reading.ConfigureAwait(false); // the runtime closes the stream after the rundown
            return trace.ToArray();
        }
    }

    private static async Task ReadAllAsync(System.Net.Sockets.Socket connection, MemoryStream into, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        int read;
        while ((read = await connection.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (into.Length + read > MaxTraceBytes)
            {
                continue; // bounded: read on to the end so the runtime can finish, keep the beginning
            }
            into.Write(buffer, 0, read);
        }
    }

    /// <summary>The thread's most frequent stack among the samples (a stuck thread's are all alike), its methods named.</summary>
    private static string Describe(NetTraceReader read, int threadId)
    {
        // Alike by content: the same stack has another id on each side of a sequence point.
        var stacks = read.Samples.Where(sample => sample.ThreadId == threadId)
            .GroupBy(sample => string.Join(",", sample.Stack)).OrderByDescending(group => group.Count()).Select(group => group.First().Stack).ToList();
        if (stacks.Count == 0)
        {
            return $"(no stack: the thread was not sampled; {read.Samples.Count} samples of other threads)";
        }
        var methods = read.Methods.OrderBy(method => method.Start).ToArray();
        var starts = methods.Select(method => method.Start).ToArray();
        var text = new StringBuilder();
        var frames = 0;
        var unnamed = 0;
        foreach (var address in stacks[0])
        {
            if (Name(methods, starts, address) is not { } name)
            {
                unnamed++;
                continue;
            }
            if (unnamed > 0)
            {
                text.Append("   at [").Append(unnamed).AppendLine(unnamed == 1 ? " frame of unnamed code]" : " frames of unnamed code]");
                unnamed = 0;
            }
            text.Append("   at ").AppendLine(name);
            if (++frames == MaxFrames)
            {
                text.AppendLine("   ...");
                break;
            }
        }
        if (read.StoppedEarly is { } why)
        {
            text.Append("   (the trace was read in part: ").Append(why).Append(')');
        }
        return text.ToString().TrimEnd();
    }

    private static string? Name(NetTraceReader.MethodCode[] methods, ulong[] starts, ulong address)
    {
        var index = Array.BinarySearch(starts, address);
        index = index >= 0 ? index : ~index - 1;
        // The nearest start below may be code freed since and its memory reused (a dynamic method's), now inside the
        // method that holds the address: look a little further down. A return address may sit just past its method's
        // last byte (a call at its very end): allow for that.
        for (var i = index; i >= 0 && i > index - 64; i--)
        {
            if (address - methods[i].Start <= methods[i].Size)
            {
                return methods[i].Name;
            }
        }
        return null;
    }
}
