using Micro.Transport.Interop;

namespace Micro.Transport;

/// <summary>
/// How many connections the process's open-files limit (RLIMIT_NOFILE) leaves room for. Running out of
/// descriptors is fatal for more than the server: the runtime itself dies when it cannot open one (Kestrel too), so
/// the default cap keeps a reserve for the runtime, files being served, logs and a database pool, and connections
/// past it are shed at accept.
/// </summary>
internal static unsafe class DescriptorBudget
{
    /// <summary>The descriptors kept out of the connections' reach: an eighth of the limit, at least 128 and at most 4,096.</summary>
    public static int Reserve(long limit) => (int)Math.Clamp(limit / 8, 128, 4096);

    /// <summary>The soft RLIMIT_NOFILE of this process (the runtime raises it to the hard limit at start).</summary>
    public static long OpenFilesLimit()
    {
        ResourceLimit limit;
        Errno.ThrowIfFailed(Libc.GetRLimit(Libc.RLIMIT_NOFILE, &limit), "getrlimit(RLIMIT_NOFILE)");
        return limit.Current > int.MaxValue ? int.MaxValue : (long)limit.Current;
    }

    /// <summary>
    /// The default connection cap: the limit less what the process holds already and the reserve, never below 1. What
    /// it holds is counted, not assumed: an ASP.NET Core app keeps two descriptors for each of its hundred assemblies.
    /// </summary>
    public static int DefaultMaxConnections()
    {
        var limit = OpenFilesLimit();
        return (int)Math.Max(1, limit - OpenDescriptors() - Reserve(limit));
    }

    /// <summary>The descriptors this process has open now (the entries of /proc/self/fd); 0 where that cannot be read.</summary>
    private static int OpenDescriptors()
    {
        try
        {
            return Directory.EnumerateFileSystemEntries("/proc/self/fd").Count();
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
