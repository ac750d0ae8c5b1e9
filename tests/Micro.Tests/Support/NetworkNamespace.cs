using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Micro.Tests;

/// <summary>
/// A private network namespace with its own loopback and its own network settings, for a test that needs a kernel
/// setting the machine should not be changed for. A process started through <see cref="Launcher"/> serves inside it,
/// and <see cref="CreateSocket"/> makes client sockets there (a socket belongs to the namespace of the thread that
/// creates it, wherever it is used afterwards). It lives while a holder process (unshare) waits on its input.
/// </summary>
internal sealed partial class NetworkNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private readonly Process _holder;
    private readonly BlockingCollection<Action> _work = [];
    private readonly Thread _thread;

    private NetworkNamespace(Process holder)
    {
        _holder = holder;
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _thread = new Thread(() => Serve(entered)) { IsBackground = true, Name = "netns client sockets" };
        _thread.Start();
        entered.Task.GetAwaiter().GetResult();
    }

    /// <summary>Prefix a command with this to run it inside the namespace (nsenter execs it: the process id stays the command's).</summary>
    public IReadOnlyList<string> Launcher => ["nsenter", $"--net={Path}", "--"];

    private string Path => $"/proc/{_holder.Id}/ns/net";

    /// <param name="settings">Files under /proc/sys/ and the values to write there, such as ("net/ipv4/tcp_migrate_req", "1").</param>
    public static async Task<NetworkNamespace> CreateAsync(IEnumerable<(string Name, string Value)> settings, CancellationToken cancellationToken)
    {
        var script = string.Concat(settings.Select(setting => $"echo {setting.Value} > /proc/sys/{setting.Name} && ")) + "ip link set lo up && echo ready && exec cat";
        var start = new ProcessStartInfo("unshare") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--net", "--", "sh", "-c", script })
        {
            start.ArgumentList.Add(argument);
        }
        var holder = Process.Start(start)!;
        var line = await holder.StandardOutput.ReadLineAsync(cancellationToken);
        if (line != "ready")
        {
            var errors = await holder.StandardError.ReadToEndAsync(cancellationToken);
            holder.Kill();
            holder.Dispose();
            Assert.Fail($"could not make a network namespace (unshare --net needs root; ip is Debian's iproute2): {errors}");
        }
        return new NetworkNamespace(holder);
    }

    /// <summary>A TCP socket in this namespace, to connect to a server serving inside it.</summary>
    public Socket CreateSocket()
    {
        var created = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Add(() => created.SetResult(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }));
        return created.Task.GetAwaiter().GetResult();
    }

    private void Serve(TaskCompletionSource entered)
    {
        using (var handle = File.OpenHandle(Path))
        {
            if (SetNamespace((int)handle.DangerousGetHandle(), CloneNewNet) != 0)
            {
                entered.SetException(new IOException($"setns({Path}) failed with errno {Marshal.GetLastPInvokeError()}"));
                return;
            }
        }
        entered.SetResult();
        foreach (var work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }

    public void Dispose()
    {
        _work.CompleteAdding();
        _holder.StandardInput.Close(); // cat ends, and with the last process in it the namespace
        if (!_holder.WaitForExit(10_000))
        {
            _holder.Kill();
        }
        _holder.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int namespaceType);
}
