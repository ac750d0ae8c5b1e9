namespace Micro.Http;

/// <summary>
/// The server's stop, in its two stages, read by every reactor: announced (the shutdown delay runs, serving goes on
/// but health checks fail), then begun (no more accepting; connections close after what they owe). One word for it
/// everywhere: the app's <c>StopAsync</c> and <c>IsStopping</c>, the reactors' <c>BeginStop</c>, the protocols'
/// <c>OnStopping</c>.
/// </summary>
internal sealed class StopSignal
{
    private volatile bool _begun;
    private volatile bool _announced;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the graceful stop begins: for handlers that wait on something long (a stream, a delay), to end it.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The graceful stop has begun.</summary>
    public bool HasBegun => _begun;

    /// <summary>A stop is coming or under way.</summary>
    public bool IsAnnounced => _announced || _begun;

    public void Announce() => _announced = true;

    public void Begin()
    {
        _begun = true;
        try
        {
            _stopping.Cancel();
        }
        catch (AggregateException)
        {
            // A callback the app registered threw; the stop goes on (each reactor's own stop does not depend on them).
        }
    }
}
