namespace Micro.Http;

/// <summary>What the application keeps with a pooled exchange (its Request and Response handles), and how it is let go.</summary>
internal interface IExchangeState
{
    /// <summary>
    /// The exchange moves on without this state: its handles must throw from now on, naming
    /// <paramref name="request"/> (method and target) as the request they belonged to.
    /// </summary>
    void Retire(string request);
}
