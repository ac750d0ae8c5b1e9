namespace Micro.Topics;

/// <summary>
/// Carries topics between an app's instances (Micro.Redis has one on Redis). The hub calls it from any thread,
/// reactors included: nothing here may block or wait on the network.
/// </summary>
public interface ITopicBackplane
{
    /// <summary>The largest message's data, in bytes, it carries; a publish over it is refused before anyone receives it.</summary>
    int MaxMessageBytes { get; }

    /// <summary>Whether other instances can be reached now, and if not, why (for a health endpoint).</summary>
    BackplaneHealth Health { get; }

    /// <summary>
    /// Begins (connecting in the background): messages other instances publish go to <paramref name="hub"/>'s
    /// <see cref="TopicHub.DeliverLocallyAsync"/>, for the topics it has subscribers of.
    /// </summary>
    void Start(TopicHub hub);

    /// <summary>Sends <paramref name="message"/> to the other instances, in publish order; queued under a bound, never waited on.</summary>
    void Publish(TopicMessage message);

    /// <summary>
    /// The hub's subscribers of <paramref name="topic"/> went from none to some, or back (on some reactor): the
    /// backplane follows <see cref="TopicHub.CountSubscribers"/>, never blocking the caller.
    /// </summary>
    void OnInterestChanged(string topic);

    /// <summary>Sends what is queued (within <paramref name="cancellationToken"/>) and disconnects.</summary>
    Task StopAsync(CancellationToken cancellationToken);
}

/// <summary>A backplane's state for a health endpoint: connected, or degraded with the reason (local delivery goes on either way).</summary>
/// <param name="IsConnected">True while messages cross both ways: false while other instances cannot be reached, or cannot yet be heard on a topic that has subscribers here.</param>
/// <param name="Description">What a health endpoint says: "connected", or what is wrong (never a password).</param>
public readonly record struct BackplaneHealth(bool IsConnected, string Description);
