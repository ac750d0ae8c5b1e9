using System.Diagnostics;
using System.Diagnostics.Metrics;
using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// Kestrel's connection metrics, kept by Micro's engine for an ASP.NET Core app: the meter
/// <c>Microsoft.AspNetCore.Server.Kestrel</c> from the app's <see cref="IMeterFactory"/>, with Kestrel's instruments
/// (<c>kestrel.active_connections</c>, <c>kestrel.connection.duration</c>, <c>kestrel.rejected_connections</c>,
/// <c>kestrel.upgraded_connections</c>), so the dashboards and OpenTelemetry set-ups that read Kestrel's (the
/// ASP.NET Core instrumentation adds this meter) read Micro's. The counts of open connections are kept whether or not
/// anyone listens (a listener that came between a connection's start and end would otherwise see its end alone); the
/// others cost a flag check when nothing listens. Tagged with the transport (tcp) and, on the duration, the protocol (http 1.1); Kestrel also tags the
/// listening endpoint's address, port and family, which a connection here does not carry.
/// </summary>
internal sealed class KestrelMetrics : IConnectionObserver
{
    public const string MeterName = "Microsoft.AspNetCore.Server.Kestrel";

    private static readonly KeyValuePair<string, object?> Transport = new("network.transport", "tcp");

    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rejected;
    private readonly UpDownCounter<long> _upgraded;

    public KestrelMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>("kestrel.active_connections", "{connection}", "Number of connections that are currently active on the server.");
        _duration = meter.CreateHistogram<double>("kestrel.connection.duration", "s", "The duration of connections on the server.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
        _rejected = meter.CreateCounter<long>("kestrel.rejected_connections", "{connection}", "Number of connections rejected by the server.");
        _upgraded = meter.CreateUpDownCounter<long>("kestrel.upgraded_connections", "{connection}", "Number of HTTP connections that are currently upgraded (WebSockets).");
    }

    public void Opened()
    {
        _active.Add(1, Transport);
    }

    public void Closed(long openedAt)
    {
        _active.Add(-1, Transport);
        if (_duration.Enabled)
        {
            _duration.Record(Stopwatch.GetElapsedTime(openedAt).TotalSeconds, Transport,
                new("network.protocol.name", "http"), new("network.protocol.version", "1.1"));
        }
    }

    public void Rejected()
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, Transport);
        }
    }

    /// <summary>A connection switched protocols (101) and is now the app's stream.</summary>
    public void Upgraded()
    {
        _upgraded.Add(1, Transport);
    }

    /// <summary>An upgraded connection closed.</summary>
    public void UpgradeEnded()
    {
        _upgraded.Add(-1, Transport);
    }
}
