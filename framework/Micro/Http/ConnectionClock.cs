namespace Micro.Http;

/// <summary>
/// A connection's clocks on its reactor's coarse time (milliseconds): when the client started owing the request head
/// it is sending, when the connection was last active, and the last tick. Time the server holds the client back is
/// not the client's: <see cref="Hold"/> stops the head's clock for it. A struct in the connection: no allocation.
/// </summary>
internal struct ConnectionClock(long now)
{
    private long _lastTick = now;
    private long _headStartedAt = now;
    private long _lastActivity = now;

    /// <summary>Advances to <paramref name="now"/>; returns the time since the last tick.</summary>
    public long Tick(long now)
    {
        var elapsed = now - _lastTick;
        _lastTick = now;
        return elapsed;
    }

    /// <summary>The client starts owing a request head.</summary>
    public void StartHead(long now) => _headStartedAt = now;

    /// <summary>The server held the client back for <paramref name="milliseconds"/>: paused, not restarted.</summary>
    public void Hold(long milliseconds) => _headStartedAt += milliseconds;

    /// <summary>Bytes arrived, or the last response went out.</summary>
    public void Touch(long now) => _lastActivity = now;

    public readonly bool HeadOverdue(long now, TimeSpan timeout) => now - _headStartedAt > timeout.TotalMilliseconds;

    public readonly bool IdleLongerThan(long now, TimeSpan timeout) => now - _lastActivity > timeout.TotalMilliseconds;

    /// <summary>The first time at which <see cref="IdleLongerThan"/> holds for <paramref name="timeout"/>, if nothing happens before.</summary>
    public readonly long IdleLongerThanFrom(TimeSpan timeout) => _lastActivity + (long)timeout.TotalMilliseconds + 1;
}
