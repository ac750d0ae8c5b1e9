namespace Micro.AspNetCore.Tests;

/// <summary>
/// Waiting for another thread by spinning without yielding, for the tests of hand-offs between threads: a yield or a
/// sleep would hand over the next item long after the other side ended its pass, missing the moment under test.
/// </summary>
internal static class HotSpin
{
    /// <summary>Spins until <paramref name="done"/> holds; false after 10 s.</summary>
    public static bool Until(Func<bool> done)
    {
        var deadline = Environment.TickCount64 + 10_000;
        for (var spins = 0; !done(); spins++)
        {
            Thread.SpinWait(1);
            if ((spins & 1023) == 0 && Environment.TickCount64 > deadline)
            {
                return false;
            }
        }
        return true;
    }
}
