using Micro.Hosting;

namespace Micro.AspNetCore;

/// <summary>
/// How Micro serves an ASP.NET Core app (<c>builder.WebHost.UseMicro(options => ...)</c>), bound first from the
/// <c>Micro</c> configuration section (both these and the engine's <see cref="Server"/> settings: <c>Micro:ReactorCount</c>,
/// <c>Micro:KeepAliveTimeout</c>, <c>Micro:Scheduling</c>).
/// </summary>
public sealed class MicroServerHostOptions
{
    /// <summary>
    /// The engine's settings: reactors, limits, timeouts, port sharing, socket activation. Where it listens comes from
    /// ASP.NET Core's addresses (<c>urls</c>, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS), not from its EndPoints list.
    /// </summary>
    public MicroServerOptions Server { get; } = new() { ClientFinAbortsRequests = true }; // a FIN is a client gone, as on Kestrel

    /// <summary>Where the application runs: on the thread pool, as on Kestrel (the default), or inline on the reactor.</summary>
    public ApplicationScheduling Scheduling { get; set; } = ApplicationScheduling.ThreadPool;

    /// <summary>
    /// The largest request body a request may send, in bytes (null: no limit), as Kestrel's
    /// <c>Limits.MaxRequestBodySize</c>: changed per request through <c>IHttpMaxRequestBodySizeFeature</c> before the
    /// body is read (<c>[RequestSizeLimit]</c>, <c>[DisableRequestSizeLimit]</c>). A body past it fails with 413.
    /// </summary>
    public long? MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>Allows synchronous reads and writes of the request and response bodies (off, as on Kestrel: they block a thread).</summary>
    public bool AllowSynchronousIO { get; set; }

    /// <summary>
    /// Bodies up to this size that declare their length are read whole before the application runs (no wait, no
    /// copy for the application to read); larger or chunked ones are streamed to it as they arrive, held back by
    /// TCP when it reads slowly.
    /// </summary>
    public int MaxBufferedRequestBodySize { get; set; } = 64 * 1024;
}
