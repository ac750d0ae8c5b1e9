using Micro.Transport;

namespace Micro.Tests.Transport;

public sealed class DataRateTests
{
    private static readonly DataRate Rate = new(240, TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData(0, 5000, false)]       // within the grace period, nothing yet is fine
    [InlineData(0, 5001, true)]        // after it, nothing is too slow
    [InlineData(2400, 10_000, false)]  // exactly the rate
    [InlineData(2399, 10_000, true)]   // a byte short of it
    public void The_rate_is_an_average_since_the_clock_started_after_a_grace_period(long bytes, long elapsed, bool tooSlow) =>
        Assert.Equal(tooSlow, Rate.IsTooSlow(bytes, elapsed));

    [Fact]
    public void A_zero_rate_is_off() => Assert.False(new DataRate(0, TimeSpan.Zero).IsTooSlow(0, 1_000_000));
}
