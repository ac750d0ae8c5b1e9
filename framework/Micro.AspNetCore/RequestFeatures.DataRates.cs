using Micro.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Micro.AspNetCore;

/// <summary>
/// The request's minimum data rates, as Kestrel's own features (IHttpMinRequestBodyDataRateFeature,
/// IHttpMinResponseDataRateFeature), so that code written for Kestrel which turns them off for a long upload or a slow
/// stream (gRPC's streaming calls, a tunnel, an event stream) finds them on Micro: the server's rates until the request
/// sets its own, which the engine then holds this request alone to, from its next tick.
/// </summary>
internal abstract partial class RequestFeatures : IHttpMinRequestBodyDataRateFeature, IHttpMinResponseDataRateFeature
{
    private MinDataRate? _ownBodyRate;
    private MinDataRate? _ownResponseRate;
    private bool _setBodyRate;
    private bool _setResponseRate;
    private int _rateGeneration; // the exchange's generation at the start: a late setter leaves a reused exchange alone
    private (MinDataRate? Body, MinDataRate? Response)? _serverRates;

    MinDataRate? IHttpMinRequestBodyDataRateFeature.MinDataRate
    {
        get => _setBodyRate ? _ownBodyRate : ServerRates.Body;
        set
        {
            (_ownBodyRate, _setBodyRate) = (value, true);
            if (ThisRequestsExchange() is { } exchange)
            {
                exchange.SetMinBodyDataRate(ToEngine(value));
            }
        }
    }

    MinDataRate? IHttpMinResponseDataRateFeature.MinDataRate
    {
        get => _setResponseRate ? _ownResponseRate : ServerRates.Response;
        set
        {
            (_ownResponseRate, _setResponseRate) = (value, true);
            if (ThisRequestsExchange() is { } exchange)
            {
                exchange.SetMinResponseDataRate(ToEngine(value));
            }
        }
    }

    private void StartDataRates(HttpExchange exchange) => _rateGeneration = exchange.Generation;

    private void ResetDataRates() => (_ownBodyRate, _ownResponseRate, _setBodyRate, _setResponseRate) = (null, null, false, false);

    private HttpExchange? ThisRequestsExchange() => Exchange is { } exchange && exchange.Generation == _rateGeneration ? exchange : null;

    /// <summary>The server's rates as Kestrel's type shows them (null: none), made once; Kestrel's type cannot hold a grace of a second or less.</summary>
    private (MinDataRate? Body, MinDataRate? Response) ServerRates => _serverRates ??= (
        Shown(Options.Server.MinRequestBodyDataRate, Options.Server.MinRequestBodyDataRateGracePeriod),
        Shown(Options.Server.MinResponseDataRate, Options.Server.MinResponseDataRateGracePeriod));

    private static MinDataRate? Shown(double bytesPerSecond, TimeSpan gracePeriod) => bytesPerSecond > 0
        ? new MinDataRate(bytesPerSecond, TimeSpan.FromTicks(Math.Max(gracePeriod.Ticks, TimeSpan.TicksPerSecond + 1)))
        : null;

    /// <summary>Null, Kestrel's "no minimum", is the engine's rate of zero.</summary>
    private static DataRate ToEngine(MinDataRate? rate) => rate is null ? default : new DataRate(rate.BytesPerSecond, rate.GracePeriod);
}
