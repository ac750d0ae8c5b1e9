using System.Globalization;

namespace Micro.Hosting;

/// <summary>
/// Listening sockets handed over by systemd socket activation (sd_listen_fds(3)): LISTEN_PID names this process and
/// LISTEN_FDS counts the descriptors from 3. Read once and removed from the environment, so a child process started
/// later does not take them for its own.
/// </summary>
internal static class SystemdSockets
{
    private const int FirstDescriptor = 3;

    public static int[] Take()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (pid is null || count is null || !int.TryParse(pid, CultureInfo.InvariantCulture, out var listenPid) || listenPid != Environment.ProcessId
            || !int.TryParse(count, CultureInfo.InvariantCulture, out var fds) || fds <= 0)
        {
            return [];
        }
        Environment.SetEnvironmentVariable("LISTEN_PID", null);
        Environment.SetEnvironmentVariable("LISTEN_FDS", null);
        Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        return [.. Enumerable.Range(FirstDescriptor, fds)];
    }
}
