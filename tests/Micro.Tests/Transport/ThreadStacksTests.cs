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
}
