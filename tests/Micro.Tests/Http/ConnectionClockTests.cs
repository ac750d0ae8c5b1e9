using Micro.Http;

namespace Micro.Tests.Http;

public sealed class ConnectionClockTests
{
    [Fact]
    public void The_head_clock_counts_only_the_clients_time_and_the_idle_clock_restarts_on_activity()
    {
        var clock = new ConnectionClock(now: 1_000);
        clock.StartHead(1_000);
        Assert.Equal(500, clock.Tick(1_500));
        Assert.False(clock.HeadOverdue(31_000, TimeSpan.FromSeconds(30)));
        Assert.True(clock.HeadOverdue(31_001, TimeSpan.FromSeconds(30)));
        clock.Hold(10_000); // the server held the client back for 10 s
        Assert.False(clock.HeadOverdue(41_000, TimeSpan.FromSeconds(30)));
        Assert.True(clock.IdleLongerThan(1_000 + 130_001, TimeSpan.FromSeconds(130)));
        clock.Touch(100_000);
        Assert.False(clock.IdleLongerThan(230_000, TimeSpan.FromSeconds(130)));
    }
}
