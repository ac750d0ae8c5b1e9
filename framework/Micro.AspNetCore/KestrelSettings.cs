using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Micro.AspNetCore;

/// <summary>
/// The settings an app gave Kestrel (<c>ConfigureKestrel</c> in code, or the <c>Kestrel</c> configuration section),
/// taken where they differ from Kestrel's own defaults, so an app moves to Micro with one line and keeps the limits it
/// chose: a body limit raised for uploads or lowered for safety, connections capped, slow clients allowed, the Server
/// header off. Micro's defaults are Kestrel's, so an unchanged setting needs nothing. The <c>Micro</c> section and
/// <c>UseMicro(options => ...)</c> are applied after, and win. Kestrel's settings for what Micro does not do (HTTP/2,
/// TLS, a request buffer Micro does not keep) are left alone; a response buffer without a bound keeps Micro's bound.
/// </summary>
internal static class KestrelSettings
{
    public static void Apply(KestrelServerOptions kestrel, MicroServerHostOptions micro)
    {
        var usual = new KestrelServerOptions();
        var (limits, usualLimits, server) = (kestrel.Limits, usual.Limits, micro.Server);
        if (limits.MaxRequestBodySize != usualLimits.MaxRequestBodySize)
        {
            micro.MaxRequestBodySize = limits.MaxRequestBodySize;
        }
        if (kestrel.AllowSynchronousIO != usual.AllowSynchronousIO)
        {
            micro.AllowSynchronousIO = kestrel.AllowSynchronousIO;
        }
        if (!kestrel.AddServerHeader)
        {
            server.ServerHeader = null;
        }
        if (limits.KeepAliveTimeout != usualLimits.KeepAliveTimeout)
        {
            server.KeepAliveTimeout = limits.KeepAliveTimeout;
        }
        if (limits.RequestHeadersTimeout != usualLimits.RequestHeadersTimeout)
        {
            server.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        }
        if (limits.MaxConcurrentConnections is { } connections)
        {
            server.MaxConnections = (int)Math.Min(connections, int.MaxValue);
        }
        if (limits.MaxResponseBufferSize is { } responseBuffer && responseBuffer != usualLimits.MaxResponseBufferSize)
        {
            server.MaxResponseBufferSize = (int)Math.Clamp(responseBuffer, 1, int.MaxValue);
        }
        if (!SameRate(limits.MinRequestBodyDataRate, usualLimits.MinRequestBodyDataRate))
        {
            (server.MinRequestBodyDataRate, server.MinRequestBodyDataRateGracePeriod) = Rate(limits.MinRequestBodyDataRate);
        }
        if (!SameRate(limits.MinResponseDataRate, usualLimits.MinResponseDataRate))
        {
            (server.MinResponseDataRate, server.MinResponseDataRateGracePeriod) = Rate(limits.MinResponseDataRate);
        }
        if (limits.MaxRequestHeaderCount != usualLimits.MaxRequestHeaderCount || limits.MaxRequestHeadersTotalSize != usualLimits.MaxRequestHeadersTotalSize
            || limits.MaxRequestLineSize != usualLimits.MaxRequestLineSize)
        {
            server.ParserLimits = server.ParserLimits with
            {
                MaxHeaderCount = limits.MaxRequestHeaderCount,
                MaxHeaderBytes = limits.MaxRequestHeadersTotalSize,
                MaxRequestLineLength = limits.MaxRequestLineSize,
            };
        }
    }

    private static bool SameRate(MinDataRate? rate, MinDataRate? usual) =>
        rate?.BytesPerSecond == usual?.BytesPerSecond && rate?.GracePeriod == usual?.GracePeriod;

    /// <summary>Kestrel's rate as Micro's: null (no minimum) is a rate of zero, which Micro checks never.</summary>
    private static (double BytesPerSecond, TimeSpan GracePeriod) Rate(MinDataRate? rate) =>
        rate is null ? (0, TimeSpan.Zero) : (rate.BytesPerSecond, rate.GracePeriod);
}
