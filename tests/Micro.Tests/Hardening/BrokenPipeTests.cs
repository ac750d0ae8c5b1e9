using System.Runtime.InteropServices;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9, defect 10: the server does not rely on the runtime to ignore SIGPIPE. Changes a process-wide signal
/// action for an instant, so it runs alone (the allocation collection is not parallel).
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed partial class BrokenPipeTests
{
    private const int SIGPIPE = 13;

    [Fact]
    public async Task Starting_a_server_ignores_SIGPIPE_when_its_action_is_the_default()
    {
        var previous = Signal(SIGPIPE, 0); // SIG_DFL, as in a host that never set it
        try
        {
            var app = new MicroApp();
            var file = Path.GetTempFileName();
            await File.WriteAllBytesAsync(file, new byte[8 * 1024 * 1024]);
            app.Get("/file", (req, res) => res.SendFile(file));
            await TestApp.RunAsync(app, async (http, url) =>
            {
                Assert.Equal(1, Signal(SIGPIPE, 1)); // the server had set SIG_IGN
                // A client that asks for a large file and resets: sendfile meets a dead peer, the process lives on.
                var client = await TestApp.ConnectAsync(url);
                client.Socket.ReceiveBufferSize = 4096;
                await client.SendAsync("GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
                client.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                await client.DisposeAsync();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await app.Server!.WaitForConnectionCountAsync(0, deadline.Token);
                await ServerHealth.AssertEveryReactorAnswersAsync(app.Server);
            });
            File.Delete(file);
        }
        finally
        {
            Signal(SIGPIPE, previous);
        }
    }

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signal, nint handler);
}
