using Microsoft.Extensions.Logging;

namespace Micro.Hosting;

/// <summary>
/// Handing a port over to the next process through SO_REUSEPORT (<see cref="MicroServerOptions.SharePort"/>). Each
/// process's sockets have their own accept queues, and when the old process closes its sockets the kernel resets the
/// connections still queued there, unless <c>net.ipv4.tcp_migrate_req</c> is 1 (Linux 5.14 and later): then it moves
/// them to the sockets that remain in the group, the new process's, and the hand-over loses nothing.
/// </summary>
internal static partial class PortHandover
{
    private const string MigrateRequests = "/proc/sys/net/ipv4/tcp_migrate_req";

    /// <summary>Whether the kernel moves queued connections to the remaining sockets of the group (false when it says it does not, or cannot say).</summary>
    public static bool KernelMigratesQueuedConnections()
    {
        try
        {
            return File.ReadAllText(MigrateRequests).Trim() == "1";
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Says, once at start, when sharing the port cannot be lossless.</summary>
    public static void WarnIfLossy(MicroServerOptions options, ILogger logger)
    {
        if (options.SharePort && !KernelMigratesQueuedConnections())
        {
            QueuedConnectionsWillBeReset(logger);
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "SharePort is on, but net.ipv4.tcp_migrate_req is not 1: when a process sharing the port stops, the connections still queued at its sockets are reset. Set it (sysctl -w net.ipv4.tcp_migrate_req=1, or in the container's network namespace) for a hand-over that loses nothing; see docs/deploy.md.")]
    private static partial void QueuedConnectionsWillBeReset(ILogger logger);
}
