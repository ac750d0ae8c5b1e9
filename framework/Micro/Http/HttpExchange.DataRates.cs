using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// The minimum data rates of one request, where the application sets its own in place of the server's (as Kestrel's
/// IHttpMinRequestBodyDataRateFeature and IHttpMinResponseDataRateFeature, which a long upload or a slow stream turns
/// off). Set on any thread, read by the reactor at its tick: each is a boxed rate, swapped whole, null for the server's.
/// </summary>
public sealed partial class HttpExchange
{
    private object? _minBodyDataRate;
    private object? _minResponseDataRate;

    /// <summary>This request's body must arrive at least at <paramref name="rate"/> (bytes per second 0: no minimum); null: the server's.</summary>
    internal void SetMinBodyDataRate(DataRate? rate) => Volatile.Write(ref _minBodyDataRate, rate);

    /// <summary>The client must take this request's response at least at <paramref name="rate"/> (0: no minimum); null: the server's.</summary>
    internal void SetMinResponseDataRate(DataRate? rate) => Volatile.Write(ref _minResponseDataRate, rate);

    /// <summary>The rate this request's body is held to: its own, or <paramref name="server"/>'s.</summary>
    internal DataRate MinBodyDataRate(DataRate server) => Volatile.Read(ref _minBodyDataRate) is DataRate own ? own : server;

    /// <summary>The rate the client must read this request's response at: its own, or <paramref name="server"/>'s.</summary>
    internal DataRate MinResponseDataRate(DataRate server) => Volatile.Read(ref _minResponseDataRate) is DataRate own ? own : server;

    /// <summary>The response's own rate as set (boxed), for the connection to go on holding its client to it while its bytes leave.</summary>
    internal object? OwnMinResponseDataRate => Volatile.Read(ref _minResponseDataRate);

    private void ResetDataRates() => _minBodyDataRate = _minResponseDataRate = null;
}
