namespace Micro.Transport;

/// <summary>The reactors that share one listening socket, and whose turn the next accepted connection is.</summary>
internal sealed class AcceptGroup(IReadOnlyList<Reactor> reactors)
{
    private int _next = -1;

    /// <summary>The reactor that takes the next connection, in turn, whichever reactor accepted it.</summary>
    public Reactor Next() => reactors[(int)((uint)Interlocked.Increment(ref _next) % (uint)reactors.Count)];
}
