namespace Micro.AspNetCore;

/// <summary>
/// What a reactor hands a <see cref="ConnectionLane"/>: a request to start there. Linked to the one read after it on
/// the same connection, so a pipeline goes over as one chain: one locked instruction on the lane's queue per
/// pipeline, where one per request made the reactor wait, at each, for every store before it to reach memory.
/// </summary>
internal abstract class LaneRequest
{
    /// <summary>The request read after this one in the same hand-over; written on the reactor only, before the chain is handed over.</summary>
    internal LaneRequest? NextInLane;

    /// <summary>On the lane: starts the request.</summary>
    public abstract void Start();
}
