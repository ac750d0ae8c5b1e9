using System.Runtime.CompilerServices;
using Micro.Transport.Interop;
using Micro.Transport.Watchdog;

namespace Micro.Tests.Transport;

/// <summary>Issue 20: the stack of a stuck thread, sampled through the runtime's own diagnostic socket and read from nettrace.</summary>
public sealed class ThreadStacksTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void WaitsInAHandler(ManualResetEventSlim gate, TaskCompletionSource<int> waiting)
    {
        waiting.SetResult(Libc.GetTid());
        gate.Wait(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_stack_of_a_blocked_thread_names_the_methods_it_is_in()
    {
        using var gate = new ManualResetEventSlim();
        var waiting = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() => WaitsInAHandler(gate, waiting)) { IsBackground = true };
        thread.Start();
        try
        {
            var threadId = await waiting.Task.WaitAsync(TimeSpan.FromSeconds(30));
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var stack = await ThreadStacks.CaptureAsync(threadId, TimeSpan.FromMilliseconds(100), deadline.Token);
            output.WriteLine(stack);
            var lines = stack.Split('\n', StringSplitOptions.TrimEntries);
            var handler = Array.FindIndex(lines, line => line.StartsWith($"at {typeof(ThreadStacksTests).FullName}.{nameof(WaitsInAHandler)}(", StringComparison.Ordinal));
            Assert.True(handler > 0, stack);
            // Innermost first: the wait is above the method that waits (named from the rundown; a frame whose code the
            // trace does not name is still counted, as "[1 frame of unnamed code]").
            Assert.True(lines[..handler].Any(line => line.StartsWith("at System.Threading.ManualResetEventSlim.Wait(", StringComparison.Ordinal) || line.Contains("of unnamed code]")), stack);
            Assert.DoesNotContain("read in part", stack);
        }
        finally
        {
            gate.Set();
            thread.Join();
        }
    }

    [Fact]
    public void The_diagnostic_socket_is_this_processs_own_even_beside_a_dead_process_of_the_same_id()
    {
        var directory = Directory.CreateTempSubdirectory("micro-diagnostic-").FullName;
        try
        {
            // A process killed without cleaning up left its socket; a later process got the same id.
            var stale = Path.Combine(directory, "dotnet-diagnostic-4242-100-socket");
            var own = Path.Combine(directory, "dotnet-diagnostic-4242-900-socket");
            File.WriteAllText(own, "");
            File.WriteAllText(stale, "");
            File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddHours(1)); // even when the stale one looks newer
            File.WriteAllText(Path.Combine(directory, "dotnet-diagnostic-4243-900-socket"), "");
            Assert.Equal(own, DiagnosticsIpc.SocketPath(directory, 4242, startTime: 900));
            // Without the start time, the newest.
            Assert.Equal(stale, DiagnosticsIpc.SocketPath(directory, 4242, startTime: null));
            Assert.Null(DiagnosticsIpc.SocketPath(directory, 4244, startTime: 1));
            // And this process finds its own in the machine's temporary directory, beside a dead one's with its id.
            var temporary = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
            var deadOnes = Path.Combine(temporary, $"dotnet-diagnostic-{Environment.ProcessId}-1-socket");
            File.WriteAllText(deadOnes, "");
            try
            {
                File.SetLastWriteTimeUtc(deadOnes, DateTime.UtcNow.AddHours(1));
                var path = DiagnosticsIpc.SocketPath();
                Assert.NotNull(path);
                Assert.NotEqual(deadOnes, path);
                Assert.Matches($"dotnet-diagnostic-{Environment.ProcessId}-[0-9]+-socket$", path);
            }
            finally
            {
                File.Delete(deadOnes);
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
