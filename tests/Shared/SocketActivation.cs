using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Micro.Tests.Shared;

/// <summary>
/// systemd's own test launcher (systemd-socket-activate, from Debian's systemd), for the socket activation tests of
/// the Micro host and of the ASP.NET Core host: it binds a socket on a free port, waits for the first connection, and
/// execs the app with LISTEN_PID and LISTEN_FDS.
/// </summary>
internal static class SocketActivation
{
    /// <summary>Starts the launcher on a free port (chosen by the kernel, then handed over; taken again if lost meanwhile).</summary>
    /// <param name="app">The command the launcher execs, after its own options.</param>
    /// <param name="options">The launcher's own options before -l (such as --datagram); when given, its error output is left for the caller to read.</param>
    public static async Task<(Process Launcher, int Port)> StartAsync(IReadOnlyList<string> app, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? options = null)
    {
        for (var attempt = 0; ; attempt++)
        {
            int port;
            using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            }
            var start = new ProcessStartInfo("systemd-socket-activate") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }
            foreach (var argument in (options ?? []).Concat(["-l", $"127.0.0.1:{port}"]).Concat(app))
            {
                start.ArgumentList.Add(argument);
            }
            var process = Process.Start(start)!;
            var line = await process.StandardError.ReadLineAsync(cancellationToken);
            if (line == $"Listening on 127.0.0.1:{port} as 3.")
            {
                if (options is null)
                {
                    _ = process.StandardError.ReadToEndAsync(cancellationToken); // keep the pipe drained
                }
                return (process, port);
            }
            process.Kill();
            process.Dispose();
            Assert.True(attempt < 5, $"systemd-socket-activate did not listen: {line}");
        }
    }

    /// <summary>Everything the peer sends until it closes the connection, as ASCII.</summary>
    public static async Task<string> ReadAllAsync(Socket socket, CancellationToken cancellationToken)
    {
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            received.Write(buffer, 0, read);
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }
}
