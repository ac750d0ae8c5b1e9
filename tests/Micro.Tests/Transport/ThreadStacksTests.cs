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
            Assert.Contains(lines, line => line.StartsWith("at System.Threading.ManualResetEventSlim.Wait(", StringComparison.Ordinal));
            Assert.Contains(lines, line => line.StartsWith($"at {typeof(ThreadStacksTests).FullName}.{nameof(WaitsInAHandler)}(", StringComparison.Ordinal));
            // Innermost first: the wait comes before the method that waits.
            Assert.True(Array.FindIndex(lines, l => l.Contains("ManualResetEventSlim.Wait")) < Array.FindIndex(lines, l => l.Contains(nameof(WaitsInAHandler))), stack);
        }
        finally
        {
            gate.Set();
            thread.Join();
        }
    }
}
