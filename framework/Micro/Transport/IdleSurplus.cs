namespace Micro.Transport;

/// <summary>
/// What a pool holds and did not need: the fewest items it had free since the last look. Those were never rented in
/// that time, so after a burst of load the pool lets half of them go at each look (about once a second), down to a
/// floor, and its memory goes back to the collector instead of staying at the burst's size for good.
/// </summary>
internal struct IdleSurplus
{
    private int _fewestFree;

    /// <summary>After a rent: the pool has <paramref name="free"/> items left.</summary>
    public void Note(int free)
    {
        if (free < _fewestFree)
        {
            _fewestFree = free;
        }
    }

    /// <summary>How many of the <paramref name="free"/> items to let go now, keeping <paramref name="floor"/>; starts the next period.</summary>
    public int Take(int free, int floor)
    {
        var unneeded = Math.Min(_fewestFree, free) - floor;
        _fewestFree = free;
        return unneeded <= 0 ? 0 : Math.Max(1, unneeded / 2);
    }
}
