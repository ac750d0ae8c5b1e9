using System.Runtime.CompilerServices;
using Micro.Transport;
using ThreadStack = Micro.Transport.Reactor.ThreadStack;

namespace Micro.Tests.Transport;

/// <summary>The reactor tells its own thread apart by its stack's addresses: true on that thread at any depth, false on every other.</summary>
public sealed class ThreadStackTests
{
    [Fact]
    public async Task A_thread_stack_holds_the_frames_of_its_thread_and_of_no_other()
    {
        var stack = ThreadStack.OfCallingThread();
        Assert.True(stack.IsKnown);
        Assert.True(stack.HoldsCallingFrame());
        Assert.True(HeldAtDepth(stack, 200)); // deeper frames of the same thread

        var elsewhere = await Task.Factory.StartNew(() => (stack.HoldsCallingFrame(), HeldAtDepth(stack, 200), ThreadStack.OfCallingThread().HoldsCallingFrame()),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.Equal((false, false, true), elsewhere);

        var onNewThread = false;
        var thread = new Thread(() => onNewThread = stack.HoldsCallingFrame());
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)));
        Assert.False(onNewThread);

        stack.Forget();
        Assert.False(stack.IsKnown);
        Assert.False(stack.HoldsCallingFrame());
        Assert.False(default(ThreadStack).HoldsCallingFrame());
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static bool HeldAtDepth(ThreadStack stack, int depth)
    {
        Span<byte> room = stackalloc byte[256]; // each level a frame of its own size
        room[0] = (byte)depth;
        return depth == 0 ? stack.HoldsCallingFrame() : HeldAtDepth(stack, depth - 1) && room[0] == (byte)depth;
    }

    [Fact]
    public async Task A_reactor_is_on_its_thread_only_while_it_runs_there()
    {
        var app = new MicroApp();
        var seen = new List<bool>();
        app.Get("/", async (req, res) =>
        {
            seen.Add(req.Exchange.Connection!.IsOnReactorThread);
            await Task.Yield(); // back home on the reactor
            seen.Add(req.Exchange.Connection!.IsOnReactorThread);
            var fromThePool = await Task.Run(() => req.Exchange.Connection!.IsOnReactorThread);
            seen.Add(fromThePool);
            res.Send("ok");
        });
        await TestApp.RunAsync(app, async (client, _) => Assert.Equal("ok", await client.GetStringAsync("/")));
        Assert.Equal([true, true, false], seen);
    }
}
