using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Micro.Transport;

/// <summary>
/// The server's connection metrics, as Kestrel's (meter "Micro.Server"): open connections, how long they lasted,
/// how many were refused at the connection cap, and how many requests each carried. Instruments cost a flag check
/// when nothing listens (dotnet-counters, OpenTelemetry, a MeterListener).
/// </summary>
internal static class ServerMetrics
{
    public const string MeterName = "Micro.Server";

    public static readonly Meter Meter = new(MeterName, "1.0");

    public static readonly UpDownCounter<long> ActiveConnections = Meter.CreateUpDownCounter<long>(
        "micro.server.active_connections", "{connection}", "Connections open right now.");

    public static readonly Histogram<double> ConnectionDuration = Meter.CreateHistogram<double>(
        "micro.server.connection.duration", "s", "How long connections stayed open.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300] });

    public static readonly Counter<long> RejectedConnections = Meter.CreateCounter<long>(
        "micro.server.rejected_connections", "{connection}", "Connections closed at accept because the server was at its connection cap.");

    public static readonly Histogram<long> RequestsPerConnection = Meter.CreateHistogram<long>(
        "micro.server.connection.requests", "{request}", "Requests a connection carried before it closed.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 100, 1_000, 10_000, 100_000] });

    /// <summary>A connection opened; true when it was counted among the active ones (something listened).</summary>
    public static bool Opened()
    {
        if (!ActiveConnections.Enabled)
        {
            return false;
        }
        ActiveConnections.Add(1);
        return true;
    }

    /// <summary>
    /// A connection closed. It leaves the active count only if <see cref="Opened"/> counted it: a listener that started
    /// meanwhile (dotnet-counters attached to a running server) would otherwise see more connections end than began.
    /// Its duration is tagged <c>error.type</c> when it ended in error (<see cref="ConnectionError"/>).
    /// </summary>
    public static void Closed(long openedAt, bool countedActive, ConnectionError endedBy)
    {
        if (countedActive)
        {
            ActiveConnections.Add(-1);
        }
        if (ConnectionDuration.Enabled)
        {
            var seconds = Stopwatch.GetElapsedTime(openedAt).TotalSeconds;
            if (endedBy == ConnectionError.None)
            {
                ConnectionDuration.Record(seconds);
            }
            else
            {
                ConnectionDuration.Record(seconds, endedBy.Tag());
            }
        }
    }
}
