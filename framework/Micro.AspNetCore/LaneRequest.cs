namespace Micro.AspNetCore;

/// <summary>
/// What a reactor hands a <see cref="ConnectionLane"/>: a request to start there. Linked to the one read after it on
/// the same connection, so a pipeline goes over as one chain: one locked instruction on the lane's queue per
/// pipeline, where one per request made the reactor wait, at each, for every store before it to reach memory.
/// </summary>
internal abstract class LaneRequest
{
    /// <summary>The request read after this one in the same hand-over; set on the reactor only, before the chain is handed over.</summary>
    public LaneRequest? NextInLane { get; private set; }

    /// <summary>On the reactor, as the request is gathered: nothing follows it yet.</summary>
    public void EndChain() => NextInLane = null;

    /// <summary>On the reactor: <paramref name="next"/>, read after this request, follows it in its chain.</summary>
    public void Link(LaneRequest next) => NextInLane = next;

    /// <summary>
    /// Of a chain's first request: the chain handed over before it (on the reactor, as it hands this one over) or, once
    /// the lane has taken the chains and put them in order, the one after it.
    /// </summary>
    public LaneRequest? OtherChain { get; private set; }

    /// <summary>Sets <see cref="OtherChain"/>: on the reactor before the chain is handed over, on the lane once it took it.</summary>
    public void LinkChain(LaneRequest? other) => OtherChain = other;

    /// <summary>On the lane, one request ahead of starting this one: asks for the lines its start reads first (a hint; none by default).</summary>
    public virtual void Prefetch()
    {
    }

    /// <summary>On the lane: starts the request.</summary>
    public abstract void Start();
}
