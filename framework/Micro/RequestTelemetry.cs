using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Micro;

/// <summary>
/// Request metrics and traces under OpenTelemetry's HTTP semantic conventions: the meter "Micro.Http"
/// (<c>http.server.request.duration</c>, <c>http.server.active_requests</c>) and the activity source "Micro.Http" (a
/// server span per request named "{method} {route}", continuing a W3C <c>traceparent</c>). Nothing is measured,
/// allocated or started unless something listens. Part of serving a request (MicroApp.Serving is its one caller), so
/// it lives at the root, not in the Diagnostics room, which plugs request logs and health checks in from above.
/// </summary>
internal static class RequestTelemetry
{
    public const string Name = "Micro.Http";

    public static readonly Meter Meter = new(Name, "1.0");

    public static readonly ActivitySource Source = new(Name, "1.0");

    public static readonly Histogram<double> Duration = Meter.CreateHistogram<double>(
        "http.server.request.duration", "s", "Duration of HTTP server requests.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] });

    public static readonly UpDownCounter<long> ActiveRequests = Meter.CreateUpDownCounter<long>(
        "http.server.active_requests", "{request}", "Number of active HTTP server requests.");

    /// <summary>Whether anything listens: the one check a request pays when nothing does.</summary>
    public static bool IsObserved => Duration.Enabled || ActiveRequests.Enabled || Source.HasListeners();

    /// <summary>Starts observing a request: its clock, its active-requests count, and its span when sampled.</summary>
    public static Observation Start(Request request, string? route)
    {
        var method = KnownMethod(request.Method);
        var countedActive = ActiveRequests.Enabled;
        if (countedActive)
        {
            ActiveRequests.Add(1, new("http.request.method", method), new("url.scheme", request.Scheme));
        }
        Activity? activity = null;
        if (Source.HasListeners())
        {
            ActivityContext.TryParse(request.Header("traceparent"), request.ListHeader("tracestate"), isRemote: true, out var parent);
            activity = Source.StartActivity(route is null ? method : $"{method} {route}", ActivityKind.Server, parent);
            if (activity is { IsAllDataRequested: true })
            {
                activity.SetTag("http.request.method", method);
                if (method == "_OTHER")
                {
                    activity.SetTag("http.request.method_original", request.Method);
                }
                activity.SetTag("url.path", request.Path);
                activity.SetTag("url.scheme", request.Scheme);
                activity.SetTag("network.protocol.version", Version(request));
                activity.SetTag("client.address", request.Ip);
                activity.SetTag("server.address", request.Host);
                activity.SetTag("user_agent.original", request.Header("User-Agent"));
                activity.SetTag("http.route", route);
            }
        }
        return new Observation(Stopwatch.GetTimestamp(), method, route, activity, countedActive);
    }

    /// <summary>Ends the observation once the handler is done: duration, status, route, error.</summary>
    public static void Stop(in Observation observation, Request request, Response response, Exception? error)
    {
        var status = error is null ? response.StatusCode : 500;
        if (observation.CountedActive) // as counted at its start: a listener that came meanwhile sees no lone -1
        {
            ActiveRequests.Add(-1, new("http.request.method", observation.Method), new("url.scheme", request.Scheme));
        }
        if (Duration.Enabled)
        {
            var tags = new TagList
            {
                { "http.request.method", observation.Method },
                { "http.response.status_code", status },
                { "network.protocol.version", Version(request) },
                { "url.scheme", request.Scheme },
            };
            if (observation.Route is not null)
            {
                tags.Add("http.route", observation.Route);
            }
            if (error is not null)
            {
                tags.Add("error.type", error.GetType().FullName);
            }
            Duration.Record(Stopwatch.GetElapsedTime(observation.Started).TotalSeconds, tags);
        }
        if (observation.Activity is { } activity)
        {
            activity.SetTag("http.response.status_code", status);
            if (error is not null || status >= 500)
            {
                activity.SetTag("error.type", error?.GetType().FullName ?? status.ToString(System.Globalization.CultureInfo.InvariantCulture));
                activity.SetStatus(ActivityStatusCode.Error, error?.Message);
            }
            activity.Stop();
        }
    }

    private static string Version(Request request) => request.Version == Parser.ProtocolVersion.Http11 ? "1.1" : "1.0";

    /// <summary>The semantic conventions' method: the standard ones as they are, any other as "_OTHER" (bounded cardinality).</summary>
    private static string KnownMethod(string method) => method switch
    {
        "GET" or "HEAD" or "POST" or "PUT" or "DELETE" or "PATCH" or "OPTIONS" or "TRACE" or "CONNECT" => method,
        _ => "_OTHER",
    };

    internal readonly record struct Observation(long Started, string Method, string? Route, Activity? Activity, bool CountedActive);
}
