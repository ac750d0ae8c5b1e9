using System.Diagnostics;
using System.Net;

namespace Micro.AspNetCore;

/// <summary>
/// Requests the server rejected, told as Kestrel tells them: the DiagnosticSource event
/// <c>Microsoft.AspNetCore.Server.Kestrel.BadRequest</c> on the host's <see cref="DiagnosticListener"/>, whose payload is
/// a feature collection holding <see cref="IBadRequestExceptionFeature"/> (the <see cref="BadHttpRequestException"/>,
/// with its status) and <see cref="IHttpConnectionFeature"/> (the client). An app that watches for malformed or
/// oversized requests with Kestrel sees the same ones on Micro: those the engine refused before the app ran, a head
/// whose values are not UTF-8, and a body failure that escaped the app. Nothing is made unless someone listens; the
/// listeners run on the thread pool, never on a reactor, with a payload of its own that no later request reuses.
/// </summary>
internal sealed class RejectedRequests(DiagnosticListener? listener)
{
    /// <summary>Kestrel's name for the event (its DiagnosticSources.KestrelOnBadRequest).</summary>
    public const string EventName = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    /// <summary>Whether anyone listens: asked first, so a server without a listener makes nothing.</summary>
    public bool Observed => listener?.IsEnabled(EventName) == true;

    /// <summary>The engine's refusal of a request the app never saw (<see cref="Hosting.MicroServerOptions.RequestRejected"/>).</summary>
    public void Report(IPEndPoint? remote, int status, string reason)
    {
        if (Observed)
        {
            Report(remote, null, new BadHttpRequestException(Sentence(reason), status));
        }
    }

    /// <summary>A rejection with its exception; <paramref name="connection"/>, when given, is copied (its owner is reused).</summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026",
        Justification = "The payload is a FeatureCollection its listeners read through the feature interfaces they name, which the app's own code keeps; no property of it is reflected on.")]
    public void Report(IPEndPoint? remote, IHttpConnectionFeature? connection, BadHttpRequestException error)
    {
        if (!Observed)
        {
            return;
        }
        var features = new FeatureCollection();
        features.Set<IBadRequestExceptionFeature>(new Rejection(error));
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature
        {
            ConnectionId = connection?.ConnectionId ?? "",
            RemoteIpAddress = connection?.RemoteIpAddress ?? remote?.Address,
            RemotePort = connection?.RemotePort ?? remote?.Port ?? 0,
            LocalIpAddress = connection?.LocalIpAddress,
            LocalPort = connection?.LocalPort ?? 0,
        });
        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Listener.Write(EventName, state.Features), (Listener: listener!, Features: features), preferLocal: false);
    }

    /// <summary>The engine's reason ("the declared body is larger than the limit") as the exception's sentence.</summary>
    private static string Sentence(string reason) => reason.Length == 0 ? "Bad request." : char.ToUpperInvariant(reason[0]) + reason[1..] + (reason.EndsWith('.') ? "" : ".");

    private sealed class Rejection(Exception error) : IBadRequestExceptionFeature
    {
        public Exception? Error => error;
    }
}
