namespace Micro.Transport;

/// <summary>
/// What a pool holds and did not need: the fewest items it had free over a quiet spell. Those were never rented in
/// that time; once the spell has lasted <see cref="QuietTicks"/> looks (about 5 s), the pool lets half of them go at
/// each look, down to a floor, and its memory goes back to the collector instead of staying at a burst's size for
/// good. A pool in steady use, even in bursts a few seconds apart, keeps what it uses.
/// </summary>
internal struct IdleSurplus
{
    /// <summary>Looks in a row that found items unneeded before any is let go.</summary>
    public const int QuietTicks = 5;

    private int _fewestFree;
    private int _quietTicks;

    /// <summary>After a rent: the pool has <paramref name="free"/> items left.</summary>
    public void Note(int free)
    {
        if (free < _fewestFree)
        {
            _fewestFree = free;
        }
    }

    /// <summary>How many of the <paramref name="free"/> items to let go now, keeping <paramref name="floor"/>.</summary>
    public int Take(int free, int floor)
    {
        var unneeded = Math.Min(_fewestFree, free) - floor;
        if (unneeded <= 0)
        {
            (_quietTicks, _fewestFree) = (0, free);
            return 0;
        }
        if (++_quietTicks < QuietTicks)
        {
            return 0; // the fewest free keeps counting over the whole spell
        }
        _quietTicks = QuietTicks;
        var letGo = Math.Max(1, unneeded / 2);
        _fewestFree = free - letGo;
        return letGo;
    }
}
