namespace Micro.Transport;

/// <summary>
/// A minimum data rate, as Kestrel's: after <see cref="GracePeriod"/>, bytes must have moved at
/// <see cref="BytesPerSecond"/> on average since the clock started. One rule for request bodies and responses alike.
/// </summary>
internal readonly record struct DataRate(double BytesPerSecond, TimeSpan GracePeriod)
{
    /// <summary>Whether the rate is checked at all after <paramref name="elapsedMilliseconds"/>: it is on, and the grace period is over.</summary>
    public bool Applies(long elapsedMilliseconds) => BytesPerSecond > 0 && elapsedMilliseconds > GracePeriod.TotalMilliseconds;

    /// <summary>True when <paramref name="bytes"/> moved in <paramref name="elapsedMilliseconds"/> is too slow (never when the rate is zero: off).</summary>
    public bool IsTooSlow(long bytes, long elapsedMilliseconds) =>
        BytesPerSecond > 0 &&
        elapsedMilliseconds > GracePeriod.TotalMilliseconds &&
        bytes < BytesPerSecond * elapsedMilliseconds / 1000;
}
