using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using Micro.Transport;

namespace Micro.AspNetCore;

/// <summary>
/// Kestrel's connection metrics, kept by Micro's engine for an ASP.NET Core app: the meter
/// <c>Microsoft.AspNetCore.Server.Kestrel</c> from the app's <see cref="IMeterFactory"/>, with Kestrel's instruments
/// (<c>kestrel.active_connections</c>, <c>kestrel.connection.duration</c>, <c>kestrel.rejected_connections</c>,
/// <c>kestrel.upgraded_connections</c>) and Kestrel's tags (the address the client connected to: <c>server.address</c>,
/// <c>server.port</c>, <c>network.type</c>, <c>network.transport</c>; on the duration the protocol too,
/// <c>error.type</c> when the connection ended in error (<see cref="ConnectionError"/>) and the app's own tags
/// (IConnectionMetricsTagsFeature)), so the dashboards and OpenTelemetry set-ups that read Kestrel's read Micro's. As
/// in Kestrel, what a connection is counted under is decided when it opens: one opened while nothing listened leaves no
/// count at its end either (a listener that came meanwhile, <c>dotnet-counters</c> attached to a running server, would
/// otherwise see active connections below zero). Nothing is asked of the kernel nor allocated while nothing listens.
/// </summary>
internal sealed class KestrelMetrics : IConnectionObserver
{
    public const string MeterName = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>The addresses whose tags are kept: a server's few (its interfaces times its ports); past it, made each time.</summary>
    private const int KeptAddresses = 64;

    private static readonly Tags NoAddress = new([new("network.transport", "tcp")]);

    private readonly UpDownCounter<long> _active;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _rejected;
    private readonly UpDownCounter<long> _upgraded;
    private readonly ConcurrentDictionary<IPEndPoint, Tags> _tags = new();

    public KestrelMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _active = meter.CreateUpDownCounter<long>("kestrel.active_connections", "{connection}", "Number of connections that are currently active on the server.");
        _duration = meter.CreateHistogram<double>("kestrel.connection.duration", "s", "The duration of connections on the server.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });
        _rejected = meter.CreateCounter<long>("kestrel.rejected_connections", "{connection}", "Number of connections rejected by the server.");
        _upgraded = meter.CreateUpDownCounter<long>("kestrel.upgraded_connections", "{connection}", "Number of HTTP connections that are currently upgraded (WebSockets).");
    }

    public object? Opened(TransportConnection connection)
    {
        bool active = _active.Enabled, timed = _duration.Enabled;
        if (!active && !timed && !_upgraded.Enabled)
        {
            return null;
        }
        var observation = new Observation(TagsOf(connection.LocalEndPoint), active, timed);
        if (active)
        {
            _active.Add(1, observation.Tags.Connection);
        }
        return observation;
    }

    public void Closed(TransportConnection connection, object? observation)
    {
        if (observation is not Observation counted)
        {
            return;
        }
        if (counted.Active)
        {
            _active.Add(-1, counted.Tags.Connection);
        }
        if (counted.Timed)
        {
            var seconds = Stopwatch.GetElapsedTime(connection.OpenedAt).TotalSeconds;
            var custom = Volatile.Read(ref counted.Custom);
            if (connection.EndedBy == ConnectionError.None && custom is null)
            {
                _duration.Record(seconds, counted.Tags.Protocol);
            }
            else
            {
                // As Kestrel: error.type when the connection ended in error, then the app's own tags.
                TagList tags = [.. counted.Tags.Protocol];
                if (connection.EndedBy != ConnectionError.None)
                {
                    tags.Add(connection.EndedBy.Tag());
                }
                foreach (var tag in custom?.Snapshot() ?? [])
                {
                    tags.Add(tag);
                }
                _duration.Record(seconds, tags);
            }
        }
    }

    public void Rejected(int fd)
    {
        if (_rejected.Enabled)
        {
            _rejected.Add(1, TagsOf(TransportConnection.LocalEndPointOf(fd)).Connection);
        }
    }

    /// <summary>The app's own tags for a connection's duration (IConnectionMetricsTagsFeature), recorded when it closes.</summary>
    public static void Adopt(object? observation, ConnectionMetricsTags tags)
    {
        if (observation is Observation counted)
        {
            Volatile.Write(ref counted.Custom, tags);
        }
    }

    /// <summary>A connection switched protocols (101) and is now the app's stream; true when it was counted upgraded.</summary>
    public bool Upgraded(object? observation)
    {
        if (!_upgraded.Enabled || observation is not Observation counted)
        {
            return false;
        }
        _upgraded.Add(1, counted.Tags.Connection);
        return true;
    }

    /// <summary>An upgraded connection that <see cref="Upgraded"/> counted closed.</summary>
    public void UpgradeEnded(object? observation)
    {
        _upgraded.Add(-1, ((Observation)observation!).Tags.Connection);
    }

    private Tags TagsOf(IPEndPoint? local)
    {
        if (local is null)
        {
            return NoAddress;
        }
        if (_tags.TryGetValue(local, out var kept))
        {
            return kept;
        }
        var tags = new Tags(
        [
            new("server.address", local.Address.ToString()),
            new("server.port", local.Port),
            new("network.type", local.AddressFamily == AddressFamily.InterNetworkV6 ? "ipv6" : "ipv4"),
            new("network.transport", "tcp"),
        ]);
        if (_tags.Count < KeptAddresses)
        {
            _tags.TryAdd(local, tags);
        }
        return tags;
    }

    /// <summary>A local address's tags: the connection's, and with the protocol for its duration.</summary>
    private sealed class Tags(KeyValuePair<string, object?>[] connection)
    {
        public KeyValuePair<string, object?>[] Connection { get; } = connection;

        public KeyValuePair<string, object?>[] Protocol { get; } =
            [.. connection, new("network.protocol.name", "http"), new("network.protocol.version", "1.1")];
    }

    /// <summary>
    /// What a connection was counted under when it opened, so its end leaves the same counts, and the app's own tags
    /// for its duration once a request asks for them (set on the thread pool, read on the reactor at the close).
    /// </summary>
    private sealed class Observation(Tags tags, bool active, bool timed)
    {
        public Tags Tags { get; } = tags;
        public bool Active { get; } = active;
        public bool Timed { get; } = timed;
        public ConnectionMetricsTags? Custom;
    }
}
