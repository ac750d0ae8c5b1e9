using Micro.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.AspNetCore;

/// <summary>
/// Micro's engine as ASP.NET Core's server (<c>builder.WebHost.UseMicro()</c>): listens where the host's addresses
/// say (urls, ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS; http://localhost:5000 when none), runs the application for
/// each request (<see cref="ApplicationRun{TContext}"/>), and stops gracefully with the host.
/// </summary>
public sealed class MicroAspNetCoreServer : IServer
{
    private readonly MicroServerHostOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IServiceProvider _services;
    private readonly ServerAddressesFeature _addresses = new();
    private readonly HashSet<int> _localhostPorts = [];
    private MicroServer? _server;

    /// <summary>Made by the host's dependency injection (<c>UseMicro</c> registers it).</summary>
    public MicroAspNetCoreServer(IOptions<MicroServerHostOptions> options, ILoggerFactory loggerFactory, IServiceProvider services)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _services = services;
        Features.Set<IServerAddressesFeature>(_addresses);
    }

    /// <summary>The server's features: its addresses (IServerAddressesFeature).</summary>
    public IFeatureCollection Features { get; } = new FeatureCollection();

    /// <summary>Where it listens, once started (with the ports the system chose for port 0).</summary>
    public IReadOnlyList<System.Net.IPEndPoint> EndPoints => _server?.EndPoints ?? [];

    /// <summary>The engine serving the app, once started (tests look at its reactors).</summary>
    internal MicroServer? Engine => _server;

    /// <summary>Binds every address and starts the reactors; the application runs for each request from now on.</summary>
    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken) where TContext : notnull
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("The server has already started.");
        }
        var engine = EngineOptions();
        // Rejected requests are told as Kestrel tells them, to whoever listens on the host's DiagnosticListener.
        var rejected = new RejectedRequests(_services.GetService(typeof(System.Diagnostics.DiagnosticListener)) as System.Diagnostics.DiagnosticListener);
        engine.RequestRejected = rejected.Report;
        // Kestrel's connection metrics, under Kestrel's meter, for the dashboards that read them.
        var metrics = _services.GetService(typeof(System.Diagnostics.Metrics.IMeterFactory)) is System.Diagnostics.Metrics.IMeterFactory meters ? new KestrelMetrics(meters) : null;
        engine.ConnectionObserver = metrics;
        var pool = new ApplicationRunPool<TContext>(application, _options, _loggerFactory.CreateLogger("Micro.AspNetCore"), rejected, metrics);
        // Requests are numbered per connection, as Kestrel numbers them: a counter shared by the reactors was a cache
        // line both cores wrote per request.
        // A head whose values are not UTF-8 is refused first, as Kestrel refuses it (RequestHeaderText).
        HttpHandler serve = _options.Scheduling == ApplicationScheduling.Inline
            ? exchange => RequestHeaderText.RefuseUndecodable(exchange, rejected) ? default : pool.Rent().Begin(exchange, exchange.Connection!.RequestCount)
            : exchange => RequestHeaderText.RefuseUndecodable(exchange, rejected) ? default : PendingRequest<TContext>.Hand(pool, exchange, exchange.Connection!.RequestCount);
        _server = new MicroServer(engine, serve, _loggerFactory);
        _server.Start();
        _addresses.Addresses.Clear();
        foreach (var endPoint in _server.EndPoints)
        {
            // "localhost" is reported as given, once for its two loopbacks, as Kestrel reports it.
            var address = System.Net.IPAddress.IsLoopback(endPoint.Address) && _localhostPorts.Contains(endPoint.Port)
                ? $"http://localhost:{endPoint.Port}"
                : $"http://{endPoint}";
            if (!_addresses.Addresses.Contains(address))
            {
                _addresses.Addresses.Add(address);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The engine's settings with the endpoints from the host's addresses, and the body limits this host enforces itself.</summary>
    private MicroServerOptions EngineOptions()
    {
        if (_options.MaxRequestBodySize is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MicroServerHostOptions.MaxRequestBodySize), _options.MaxRequestBodySize,
                $"MicroServerHostOptions.MaxRequestBodySize is {_options.MaxRequestBodySize}: it must be null (no limit) or zero or more bytes.");
        }
        if (_options.MaxBufferedRequestBodySize < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MicroServerHostOptions.MaxBufferedRequestBodySize), _options.MaxBufferedRequestBodySize,
                $"MicroServerHostOptions.MaxBufferedRequestBodySize is {_options.MaxBufferedRequestBodySize}: it must be zero (every body streamed) or more bytes.");
        }
        // One reactor per core whatever the schedule, as Kestrel keeps an I/O queue per core beside the pool: measured
        // side by side (both servers up at once, loaded in turn), one per core answered 17-20% more requests per second
        // on baseline and pipelined than half as many (docs/aspnetcore.md has both machines' figures).
        var engine = _options.Server;
        engine.EndPoints.Clear();
        var logger = _loggerFactory.CreateLogger("Micro.AspNetCore");
        var kestrel = _addresses.PreferHostingUrls && _addresses.Addresses.Count > 0 ? [] : KestrelEndpoints.Read(_services, logger);
        if (kestrel.Count > 0)
        {
            if (_addresses.Addresses.Count > 0)
            {
                logger.LogWarning("Overriding address(es) '{Addresses}'. Binding to endpoints defined via IConfiguration and/or UseKestrel() instead.", string.Join(", ", _addresses.Addresses));
            }
            engine.EndPoints.AddRange(kestrel);
        }
        else
        {
            foreach (var address in _addresses.Addresses.Count > 0 ? _addresses.Addresses : ["http://localhost:5000"])
            {
                var endPoints = ListenOptions.Parse(address, nameBindsEveryAddress: true);
                if (ListenOptions.NamesOtherHost(address))
                {
                    // As Kestrel: the name is not resolved, and every address is bound. Said, so a mistyped one is seen.
                    logger.LogWarning("The address {Address} names a host, which is not resolved: every address is bound on its port, as Kestrel binds it.", address);
                }
                engine.EndPoints.AddRange(endPoints);
                if (ListenOptions.NamesLocalhost(address))
                {
                    _localhostPorts.Add(endPoints[0].Port);
                }
            }
        }
        // The request's own limit (IHttpMaxRequestBodySizeFeature) is held by the body stream; the engine streams
        // every body it does not buffer whole, so no size is ever reserved for what a client declares.
        engine.MaxRequestBodySize = long.MaxValue;
        // A body declared larger than the server's limit is streamed too, whatever its size: the app then runs at once,
        // and its first read answers 413 (as Kestrel's) unless its endpoint raised the limit, rather than the body
        // being awaited whole before anything decides (a client that waits for an answer before sending got a 408).
        var buffered = Math.Min(_options.MaxBufferedRequestBodySize, _options.MaxRequestBodySize ?? long.MaxValue);
        // A client that expects 100 Continue has its body streamed whatever its size: the 100 goes out when the app
        // first reads, so an app that answers without reading (a 401, a 413) invites no body, as on Kestrel.
        engine.StreamRequestBody = (head, _) => head.Framing == Parser.BodyFraming.Chunked || head.ContentLength > buffered || head.ExpectContinue;
        return engine;
    }

    /// <summary>Stops gracefully: no new connections, the requests in progress answered, up to the shutdown timeout or <paramref name="cancellationToken"/>.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>Stops, if the host did not.</summary>
    public void Dispose()
    {
        Transport.Reactor.ThrowIfOnAReactor("Disposing the server"); // it waits for the reactors to stop
        _server?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private sealed class ServerAddressesFeature : IServerAddressesFeature
    {
        public ICollection<string> Addresses { get; } = new List<string>();

        public bool PreferHostingUrls { get; set; }
    }
}
