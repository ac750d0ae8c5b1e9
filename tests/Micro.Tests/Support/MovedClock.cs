namespace Micro.Tests;

/// <summary>
/// A reactor clock a test moves (<c>MicroServerOptions.Clock</c>), so timeout tests take moments, not the timeouts'
/// seconds; each move wakes the reactors, whose next turn ticks at the new time.
/// </summary>
internal sealed class MovedClock
{
    private long _now = 1_000_000;

    public long Now() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by, MicroServer server)
    {
        Interlocked.Add(ref _now, (long)by.TotalMilliseconds);
        foreach (var reactor in server.Reactors)
        {
            reactor.Post(static _ => { }, null);
        }
    }
}
