using System.Net;
using Micro.Http;
using Micro.Parser;

namespace Micro.Hosting;

/// <summary>
/// Every limit, timeout and knob of the server in one place, with defaults no looser than Kestrel's.
/// </summary>
public sealed class MicroServerOptions
{
    /// <summary>Where to listen. Default: 127.0.0.1:8080. Port 0 picks a free port (see <see cref="MicroServer.EndPoints"/>).</summary>
    public List<IPEndPoint> EndPoints { get; } = [];

    /// <summary>
    /// Shares the endpoints with other processes that opted in too (SO_REUSEPORT, same user), the kernel spreading new
    /// connections over them all: for a hand-over without downtime, every instance started with it. Default false: the
    /// port is this server's alone (one socket without SO_REUSEPORT, which every reactor waits on), an endpoint in use
    /// is refused with "Address already in use", and nothing can join it later, as with Kestrel. Also
    /// <c>--share-port</c>. Lossless only with the kernel's <c>net.ipv4.tcp_migrate_req</c> set to 1, else connections
    /// still queued at the old process when it stops are reset (warned at start; see docs/deploy.md).
    /// </summary>
    public bool SharePort { get; set; }

    /// <summary>
    /// Under systemd socket activation (a .socket unit; LISTEN_PID and LISTEN_FDS set for this process), serve the
    /// sockets systemd bound and passed, instead of <see cref="EndPoints"/>: the listening sockets outlive the process,
    /// so a restart drops no connection attempt. Default true; false ignores them.
    /// </summary>
    public bool UseSystemdSockets { get; set; } = true;

    /// <summary>
    /// Reactor threads, each with its own epoll instance and SO_REUSEPORT listener. Default: one per core (which follows
    /// a container's CPU quota).
    /// </summary>
    public int ReactorCount { get; set; } = Environment.ProcessorCount;

    /// <summary>Request line, header section and header count limits (8 KiB, 32 KiB, 100).</summary>
    public HttpParserLimits ParserLimits { get; set; } = HttpParserLimits.Default;

    /// <summary>
    /// Whether the server's own error answers (a malformed request's 400, a body over the limit's 413, headers too large,
    /// a handler's unhandled exception's 500) carry an RFC 9457 <c>application/problem+json</c> body saying what went
    /// wrong, rather than none. <c>app.UseProblemDetails()</c> sets it, and answers the app's errors the same way.
    /// </summary>
    public bool ProblemDetails { get; set; }

    /// <summary>The largest request body accepted; larger gets 413. Default 30,000,000 bytes, as Kestrel.</summary>
    public long MaxRequestBodySize { get; set; } = 30_000_000;

    /// <summary>
    /// Open connections at most; past it new connections are closed at accept. Default: the open-files limit
    /// (RLIMIT_NOFILE) less the descriptors the process already holds when the server starts (its assemblies, logs,
    /// listeners) and a reserve of an eighth of the limit (128 to 4,096) for files and databases, so the process never
    /// runs out of descriptors (which kills a .NET process, Kestrel's too). Also <c>--max-connections N</c>.
    /// </summary>
    public int? MaxConnections { get; set; }

    /// <summary>How long a keep-alive connection may sit idle. Default 130 s, as Kestrel.</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(130);

    /// <summary>How long a client may take to send a whole request head (slowloris). Default 30 s, as Kestrel.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The slowest a request body may arrive, after <see cref="MinRequestBodyDataRateGracePeriod"/>. Default 240 bytes/s, as Kestrel.</summary>
    public double MinRequestBodyDataRate { get; set; } = 240;

    /// <summary>How long a body may arrive slower than <see cref="MinRequestBodyDataRate"/> before the connection is dropped. Default 5 s.</summary>
    public TimeSpan MinRequestBodyDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The slowest a client may read a response once the socket refuses bytes, averaged after
    /// <see cref="MinResponseDataRateGracePeriod"/>; slower, the connection is closed. Default 240 bytes/s, as Kestrel.
    /// Zero turns it off.
    /// </summary>
    public double MinResponseDataRate { get; set; } = 240;

    /// <summary>How long a client may read slower than <see cref="MinResponseDataRate"/>. Default 5 s, as Kestrel.</summary>
    public TimeSpan MinResponseDataRateGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Response bytes one connection may hold, unsent or produced by responses waiting behind a slower one, past which
    /// it stops reading and running handlers, and a streaming response waiting its turn pauses in WriteAsync.
    /// Default 64 KiB, as Kestrel's response buffer. Memory per connection stays near this, plus one response.
    /// </summary>
    public int MaxResponseBufferSize { get; set; } = 64 * 1024;

    /// <summary>Requests of one connection whose responses may wait behind a slow one before the connection stops reading. Default 128.</summary>
    public int MaxPipelinedRequests { get; set; } = 128;

    /// <summary>
    /// How long a graceful shutdown waits for requests in flight. Default 30 s. After it the process's stop ends even
    /// when a reactor is stuck in a blocking handler: that reactor is left behind, logged.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a reactor may go without coming back to its loop before the watchdog logs it, at Error, with what it is
    /// running (the request and its route) and the stack it is in. A reactor serves every connection it owns in turn,
    /// so one handler that blocks (.Result, .Wait(), Thread.Sleep, a lock) stalls them all: handlers must await. Default
    /// 2 s; <see cref="TimeSpan.Zero"/> turns the watchdog off.
    /// </summary>
    public TimeSpan ReactorStallTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// After SIGTERM or Ctrl+C (<see cref="MicroServer.RunAsync"/>), how long to go on serving as before, accepting and
    /// keeping connections alive, while <see cref="MicroServer.IsStopping"/> is true (health checks answer 503), before the
    /// graceful stop begins: time for a load balancer to see the instance go and stop sending it requests. Default 0.
    /// Under Kubernetes a preStop sleep does the same (docs/deploy.md). <see cref="MicroServer.StopAsync"/> cuts it short.
    /// </summary>
    public TimeSpan ShutdownDelay { get; set; }

    /// <summary>
    /// Decides from a request's head, once it has arrived, whether its handler runs at once and reads the body while
    /// it arrives (<see cref="HttpExchange.ReadBodyAsync"/>, <see cref="HttpExchange.OpenBody"/>), holding at most
    /// 64 KiB of it, instead of running after the whole body is buffered. Default: null, every body is buffered (up to
    /// <see cref="MaxRequestBodySize"/>); <c>MicroApp</c> streams multipart/form-data bodies.
    /// </summary>
    public RequestHeadPredicate? StreamRequestBody { get; set; }

    /// <summary>The body limit of the route a request is for, when some route has its own (set by the app when it starts).</summary>
    internal RequestBodyLimit? RouteBodyLimit { get; set; }

    /// <summary>The reactors' clock, for tests that move time instead of waiting (see <c>TransportOptions.Clock</c>); null for the real one.</summary>
    internal Func<long>? Clock { get; set; }

    /// <summary>
    /// Told, on the reactor, of each request the server refuses before a handler sees it (malformed, too large, a head
    /// or body too slow: the 4xx it answers): the client's address, the status and why. The ASP.NET Core host passes it
    /// to Kestrel's diagnostic event for rejected requests. It must return at once (queue, do not wait).
    /// </summary>
    internal Action<System.Net.IPEndPoint?, int, string>? RequestRejected { get; set; }

    /// <summary>A host's own account of the connections (the ASP.NET Core host's Kestrel metrics); null for none.</summary>
    internal Transport.IConnectionObserver? ConnectionObserver { get; set; }

    /// <summary>
    /// What a client's FIN means while requests of its connection are still being answered. False (the default): a
    /// half-close, as RFC 9112 section 9.6 allows a client to send, so the requests it sent are answered and then the
    /// connection closes (a client that sent a request and shut its side, as <c>nc</c> does, gets its answer). True: the
    /// client is gone, as Kestrel, nginx (499) and Node treat it, so the connection closes at once, <c>req.Aborted</c>
    /// cancels and the handlers' slow work can stop: what a browser that navigated away leaves behind. The ASP.NET Core
    /// host turns it on, as on Kestrel.
    /// </summary>
    public bool ClientFinAbortsRequests { get; set; }

    /// <summary>The Server header value; null or empty leaves it out. Default "Micro".</summary>
    public string? ServerHeader { get; set; } = "Micro";

    /// <summary>
    /// Refuses, when the server starts, a setting it could not serve by (from code or configuration alike): an exception
    /// that names the setting, its value and why, where the server would otherwise hang (no request allowed in the
    /// pipeline, a negative response buffer that never drains), drop every connection at once (a zero timeout), or
    /// send a header line it was handed (a Server value with a line break in it).
    /// </summary>
    internal void Validate()
    {
        AtLeast(nameof(ReactorCount), ReactorCount, 1, "a server needs a reactor to serve on");
        AtLeast(nameof(MaxPipelinedRequests), MaxPipelinedRequests, 1, "with none allowed, no request could be read");
        AtLeast(nameof(MaxResponseBufferSize), MaxResponseBufferSize, 0, "below zero the held responses would never be few enough to read on");
        AtLeast(nameof(MaxRequestBodySize), MaxRequestBodySize, 0, "a body cannot be shorter than none");
        if (MaxConnections is { } connections)
        {
            AtLeast(nameof(MaxConnections), connections, 1, "null takes the default from the open-files limit");
        }
        Positive(nameof(KeepAliveTimeout), KeepAliveTimeout);
        Positive(nameof(RequestHeadersTimeout), RequestHeadersTimeout);
        NotNegative(nameof(MinRequestBodyDataRateGracePeriod), MinRequestBodyDataRateGracePeriod);
        NotNegative(nameof(MinResponseDataRateGracePeriod), MinResponseDataRateGracePeriod);
        NotNegative(nameof(ShutdownTimeout), ShutdownTimeout);
        NotNegative(nameof(ShutdownDelay), ShutdownDelay);
        NotNegative(nameof(ReactorStallTimeout), ReactorStallTimeout);
        Rate(nameof(MinRequestBodyDataRate), MinRequestBodyDataRate);
        Rate(nameof(MinResponseDataRate), MinResponseDataRate);
        if (ParserLimits is null)
        {
            throw new ArgumentNullException(nameof(ParserLimits), $"MicroServerOptions.{nameof(ParserLimits)} is null: leave it as HttpParserLimits.Default or set limits.");
        }
        if (!string.IsNullOrEmpty(ServerHeader) && (!System.Text.Ascii.IsValid(ServerHeader) || ResponseHeaders.HoldsControlCharacter(System.Text.Encoding.ASCII.GetBytes(ServerHeader))))
        {
            throw new ArgumentException(
                $"MicroServerOptions.{nameof(ServerHeader)} \"{ServerHeader.ReplaceLineEndings("\\n")}\" is not a header value: it must be ASCII without control characters (a line break would start a header of its own).",
                nameof(ServerHeader));
        }
    }

    private static void AtLeast(string name, long value, long least, string why)
    {
        if (value < least)
        {
            throw new ArgumentOutOfRangeException(name, value, $"MicroServerOptions.{name} is {value}: it must be at least {least} ({why}).");
        }
    }

    private static void Positive(string name, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"MicroServerOptions.{name} is {value}: it must be longer than zero (every connection would be closed at once).");
        }
    }

    private static void NotNegative(string name, TimeSpan value)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"MicroServerOptions.{name} is {value}: it cannot be negative (zero turns the wait off).");
        }
    }

    private static void Rate(string name, double bytesPerSecond)
    {
        if (!(bytesPerSecond >= 0) || double.IsInfinity(bytesPerSecond))
        {
            throw new ArgumentOutOfRangeException(name, bytesPerSecond, $"MicroServerOptions.{name} is {bytesPerSecond}: it must be a number of bytes per second, zero or more (zero turns the rule off).");
        }
    }
}
