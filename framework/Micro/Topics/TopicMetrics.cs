using System.Diagnostics.Metrics;

namespace Micro.Topics;

/// <summary>
/// Topics as OpenTelemetry instruments, on the meter "Micro.Topics": messages published (by this instance, or
/// received from others through a backplane), deliveries to subscribers, messages dropped (and why), and how long
/// a message took from its publisher to this instance through the backplane.
/// </summary>
public static class TopicMetrics
{
    /// <summary>The meter's name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "Micro.Topics";

    private static readonly Meter Meter = new(MeterName, "1.0");

    private static readonly Counter<long> PublishedCounter = Meter.CreateCounter<long>(
        "micro.topics.published", "{message}", "Messages published: origin=local by this instance, origin=remote received from another through the backplane.");

    private static readonly Counter<long> DeliveredCounter = Meter.CreateCounter<long>(
        "micro.topics.delivered", "{delivery}", "Messages queued for a subscriber of this instance (one per message and subscriber).");

    private static readonly Counter<long> DroppedCounter = Meter.CreateCounter<long>(
        "micro.topics.dropped", "{message}", "Messages that did not reach where they were going, by reason: slow_subscriber, backplane_buffer_full, backplane_send_failed.");

    private static readonly Histogram<double> BackplaneLatencyHistogram = Meter.CreateHistogram<double>(
        "micro.topics.backplane.latency", "s", "From another instance's publish to its arrival here, by the publisher's clock against this one's.");

    internal static void Published(bool local)
    {
        if (PublishedCounter.Enabled)
        {
            PublishedCounter.Add(1, new KeyValuePair<string, object?>("origin", local ? "local" : "remote"));
        }
    }

    internal static void Delivered(int subscribers)
    {
        if (subscribers > 0 && DeliveredCounter.Enabled)
        {
            DeliveredCounter.Add(subscribers);
        }
    }

    /// <summary>A message that did not reach where it was going, with why (one of the reasons the instrument names).</summary>
    public static void Dropped(string reason)
    {
        if (DroppedCounter.Enabled)
        {
            DroppedCounter.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    /// <summary>A message from another instance arrived: its trip through the backplane, and it counts as published remotely.</summary>
    public static void ReceivedFromBackplane(TimeSpan latency)
    {
        Published(local: false);
        if (BackplaneLatencyHistogram.Enabled)
        {
            BackplaneLatencyHistogram.Record(Math.Max(0, latency.TotalSeconds));
        }
    }
}
