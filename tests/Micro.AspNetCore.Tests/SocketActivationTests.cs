using System.Diagnostics;
using System.Net.Sockets;
using Micro.Tests.Shared;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// systemd socket activation for an ASP.NET Core app on Micro, with systemd's own test launcher
/// (systemd-socket-activate): it binds the socket, waits for the first connection and execs the app with LISTEN_PID
/// and LISTEN_FDS. The app serves that socket, with the connection that woke it, instead of its urls.
/// </summary>
public sealed class SocketActivationTests
{
    [Fact]
    public async Task An_aspnet_core_app_started_by_socket_activation_serves_the_socket_it_was_handed()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (process, port) = await StartAsync(deadline.Token);
        using (process)
        {
            try
            {
                // The first connection is what makes the launcher start the app; it waits in the backlog meanwhile.
                using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await first.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), deadline.Token);
                await first.SendAsync("GET /reactor HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
                var banner = await process.StandardOutput.ReadLineAsync(deadline.Token) ?? "";
                Assert.Equal($"listening on http://127.0.0.1:{port}", banner); // not its --urls
                var answer = await ReadAllAsync(first, deadline.Token);
                Assert.StartsWith("HTTP/1.1 200 OK", answer);

                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                Assert.Equal("Hello, World!", await client.GetStringAsync("/", deadline.Token));
                using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
                {
                    await kill.WaitForExitAsync(deadline.Token);
                }
                await process.WaitForExitAsync(deadline.Token);
                Assert.Equal(0, process.ExitCode); // the launcher exec'd the app, which stopped gracefully
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
    }

    private static Task<(Process Launcher, int Port)> StartAsync(CancellationToken cancellationToken) =>
        SocketActivation.StartAsync(["dotnet", BuiltApps.AspNetCoreTargetApp, "--urls", "http://127.0.0.1:0"], cancellationToken);

    private static Task<string> ReadAllAsync(Socket socket, CancellationToken cancellationToken) => SocketActivation.ReadAllAsync(socket, cancellationToken);
}
