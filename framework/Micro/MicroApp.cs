using System.Net;
using System.Text;
using Micro.Hosting;
using Micro.Http;
using Micro.Parser;
using Micro.Routing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro;

/// <summary>
/// An application: routes, middleware and hooks on top of <see cref="MicroServer"/>.
/// <code>
/// var app = new MicroApp(args);
/// app.Get("/", (req, res) => res.Send("Hello, World!"));
/// app.Get("/users/:id", (req, res) => res.Json(new { id = req.Params.GetInt("id") }));
/// await app.RunAsync();
/// </code>
/// </summary>
public sealed partial class MicroApp : Router
{
    private readonly ILoggerFactory? _loggerFactory;
    private RouteTable<Pipeline>? _table;
    private Middleware[] _global = [];
    private Pipeline? _notFound;
    private Pipeline? _serverOptions;
    private Pipeline? _connect;
    private ErrorHandler? _onError;
    private RequestHandler? _onNotFound;
    private bool _problemDetails;

    /// <summary>Creates an app with <paramref name="options"/> (defaults when null).</summary>
    public MicroApp(MicroServerOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ServerOptions = options ?? new MicroServerOptions();
        _loggerFactory = loggerFactory;
        _lifetime = new MicroApplicationLifetime(loggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
    }

    internal MicroApp(MicroServerOptions options, ILoggerFactory loggerFactory, ServiceProvider services,
        Microsoft.Extensions.Configuration.ConfigurationManager configuration, MicroHostEnvironment environment)
        : this(options, loggerFactory)
    {
        _ownedServices = services;
        _ownedConfiguration = configuration;
        _environment = environment;
        _lifetime = services.GetRequiredService<MicroApplicationLifetime>(); // the one hosted services and the app's code see
        Services = services;
        ScopeFactory = services.GetRequiredService<IServiceScopeFactory>();
        Configuration = configuration;
    }

    /// <summary>A builder with configuration (appsettings.json, environment, command line), logging and services: see <see cref="MicroAppBuilder"/>.</summary>
    public static MicroAppBuilder CreateBuilder(string[] args) => new(args);

    /// <summary>
    /// The app's services: those of <c>builder.Services</c> when built by <see cref="CreateBuilder"/>; otherwise an empty
    /// provider (and then nothing is spent on services per request).
    /// </summary>
    public IServiceProvider Services { get; } = EmptyServices.Instance;

    /// <summary>The app's configuration when built by <see cref="CreateBuilder"/>.</summary>
    public Microsoft.Extensions.Configuration.IConfiguration? Configuration { get; }

    internal IServiceScopeFactory? ScopeFactory { get; }

    private readonly ServiceProvider? _ownedServices;
    private readonly Microsoft.Extensions.Configuration.ConfigurationManager? _ownedConfiguration; // the builder's, whose files it watches
    private readonly MicroApplicationLifetime _lifetime;
    private readonly string[] _args = [];
    private IWebHostEnvironment? _environment;
    private ILogger? _logger;

    /// <summary>
    /// The app's environment, as ASP.NET Core's <c>app.Environment</c>: <c>if (app.Environment.IsDevelopment())</c>.
    /// An app built by <see cref="CreateBuilder"/> has its builder's; one made with <c>new MicroApp(args)</c> reads
    /// <c>--environment</c>, DOTNET_ENVIRONMENT or ASPNETCORE_ENVIRONMENT ("Production" unless set) when first asked.
    /// </summary>
    public IWebHostEnvironment Environment => _environment ??= new MicroHostEnvironment(DefaultConfiguration.HostSettingsOf(_args));

    /// <summary>
    /// A logger named after the app, as ASP.NET Core's <c>app.Logger</c>: through the app's logging (the builder's, or the
    /// factory it was made with); an app made without one logs nowhere.
    /// </summary>
    public ILogger Logger => _logger ??= _loggerFactory?.CreateLogger(Environment.ApplicationName is { Length: > 0 } name ? name : nameof(MicroApp))
        ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>
    /// The app's lifetime, as ASP.NET Core's <c>app.Lifetime</c>: ApplicationStarted once it listens, ApplicationStopping
    /// when its graceful stop begins (as <see cref="Stopping"/>), ApplicationStopped when it and its hosted services are
    /// done; <c>StopApplication()</c> stops a running app as SIGTERM does. The same object the app's services give.
    /// </summary>
    public IHostApplicationLifetime Lifetime => _lifetime;

    /// <summary>
    /// Creates an app that listens where the command line (<c>--urls</c>, <c>--port</c>) ASPNETCORE_URLS or
    /// ASPNETCORE_HTTP_PORTS says, else on 127.0.0.1:8080.
    /// Without <paramref name="loggerFactory"/>, warnings and errors (a handler's exception, a stalled reactor) go to the
    /// console, as an ASP.NET Core app's do.
    /// </summary>
    public MicroApp(string[] args, ILoggerFactory? loggerFactory = null)
        : this(ListenOptions.FromCommandLine(args, System.Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), System.Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")),
            loggerFactory ?? ConsoleWarnings())
    {
        _args = args;
        _ownedLogging = loggerFactory is null ? _loggerFactory : null;
    }

    /// <summary>The console logging an app made from the command line gets when given none: warnings and errors, one line each.</summary>
    private static ILoggerFactory ConsoleWarnings() =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(logging => logging.AddSimpleConsole(console => console.SingleLine = true).SetMinimumLevel(LogLevel.Warning));

    private readonly ILoggerFactory? _ownedLogging;

    /// <summary>The server's limits, timeouts and endpoints; change them before starting.</summary>
    public MicroServerOptions ServerOptions { get; }

    /// <summary>
    /// Limits of <c>req.Form()</c>, ASP.NET Core's own options: ValueCountLimit (1,024), KeyLengthLimit (2,048) and
    /// ValueLengthLimit (4 MiB) apply; past them the request gets 413.
    /// </summary>
    public Microsoft.AspNetCore.Http.Features.FormOptions FormLimits { get; } = new();

    /// <summary>
    /// How <c>res.Json(value)</c> writes and <c>req.Json&lt;T&gt;()</c> reads when no source-generated metadata is given:
    /// ASP.NET Core's web defaults (camelCase names, names matched in any case, numbers readable from strings).
    /// Change it before the first request; it is read-only after.
    /// </summary>
    public System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Where the app listens, once started (port 0 resolved).</summary>
    public IReadOnlyList<IPEndPoint> EndPoints => _server?.EndPoints ?? [];

    /// <summary>The connection cap in force once started (see <see cref="MicroServerOptions.MaxConnections"/>).</summary>
    public int MaxConnections => _server?.MaxConnections ?? 0;

    /// <summary>Set when the app starts stopping, by its server or its test host.</summary>
    internal StopSignal StopSignal { get; } = new();

    /// <summary>
    /// True from the moment a stop is asked for (SIGTERM, <see cref="StopAsync"/>), including the
    /// <see cref="MicroServerOptions.ShutdownDelay"/> before the graceful stop begins: health checks answer 503 from then on.
    /// </summary>
    public bool IsStopping => StopSignal.IsAnnounced;

    /// <summary>
    /// Cancelled when the graceful stop begins (SIGTERM, <see cref="StopAsync"/>), as ASP.NET Core's
    /// ApplicationStopping: a handler that waits on something long (<c>await Task.Delay(interval, app.Stopping)</c>, a
    /// loop over a feed) ends with it, rather than holding the stop for its whole timeout. Event streams end with it
    /// by themselves (<c>events.Closing</c>); WebSockets are closed with 1001 Going Away.
    /// </summary>
    public CancellationToken Stopping => StopSignal.Stopping;

    /// <summary>The logger factory the app was made with, if any (the test host logs through it too).</summary>
    internal ILoggerFactory? LoggerFactory => _loggerFactory;

    /// <summary>State a room of the framework keeps for the whole app, made when first asked for.</summary>
    internal T Feature<T>() where T : class, new() => (T)_features.GetOrAdd(typeof(T), static _ => new T());

    private readonly System.Collections.Concurrent.ConcurrentDictionary<Type, object> _features = new();

    /// <summary>The server under the app, once started (diagnostics and tests).</summary>
    internal MicroServer? Server => _server;

    /// <summary>
    /// Answers every error the app can see, before the response started: what a handler or middleware throws (an
    /// <see cref="HttpError"/> with its status, or anything else: 500, logged), the framework's own (a malformed JSON
    /// or typed value's 400, a body over the limit's 413, a wrong Content-Type's 415), and a request no route matches
    /// (404) or whose method none allows (405, its Allow header set). <see cref="HttpError.StatusCodeOf"/> gives the
    /// status, the exception's Message the reason: <c>app.OnError((error, req, res) =&gt; { res.Problem(HttpError.StatusCodeOf(error), detail: error.Message); return default; })</c>.
    /// </summary>
    public MicroApp OnError(ErrorHandler handler)
    {
        _onError = handler;
        return this;
    }

    /// <summary>
    /// Answers every error as an RFC 9457 <c>application/problem+json</c> problem (status, title, detail), the app's
    /// own (<see cref="HttpError"/>) and the framework's (400, 404, 405, 413, 415, 500, and the server's answers to
    /// requests it refuses before any route runs), instead of plain text. <see cref="OnError"/> still comes first.
    /// </summary>
    public MicroApp UseProblemDetails()
    {
        _problemDetails = true;
        ServerOptions.ProblemDetails = true;
        return this;
    }

    /// <summary>Answers requests no route matches (otherwise: 404, through <see cref="OnError"/> when set). Set it before starting, like routes.</summary>
    public MicroApp OnNotFound(RequestHandler handler)
    {
        _onNotFound = handler;
        return this;
    }


    /// <summary>Builds the routes as they are now and returns the handler that serves them (a server's or a test host's).</summary>
    private RequestSettings _requestSettings = null!; // what every request reads of the app's settings, taken when it starts serving

    internal HttpHandler PrepareToServe()
    {
        Build();
        Freeze();
        AttachBackplaneFromServices();
        ServerOptions.StreamRequestBody ??= IsMultipart;
        _requestSettings = new RequestSettings(ServerOptions.MaxRequestBodySize, FormLimits, JsonOptions, ScopeFactory);
        return Handle;
    }

    private void Build()
    {
        // App-level middleware runs for every request, routed or not; a router's own middleware only for its routes.
        _global = [.. Middleware.Where(Runs)];
        var table = new RouteTable<Pipeline>();
        var methods = new HashSet<string>(StringComparer.Ordinal);
        var limited = false;
        foreach (var route in FlattenRoutes())
        {
            methods.Add(route.Method);
            var bodyLimit = Middleware.Concat(route.Chain).Select(m => m.Target).OfType<IBodySizeLimit>().LastOrDefault()?.MaxBytes;
            limited |= bodyLimit is not null;
            table.Add(route.Method, route.Pattern, new Pipeline([.. _global, .. route.Chain.Where(Runs)], route.Handler, route.Pattern, bodyLimit));
        }
        _table = table;
        // Only when some route has a body limit of its own does a request's head go through the routes before its body.
        ServerOptions.RouteBodyLimit = limited ? BodyLimitOf : null;
        _notFound = new Pipeline(_global, _onNotFound is { } notFound ? Pipeline.From(notFound) : (req, res) => AnswerError(new HttpError(404, "Not Found"), req, res));
        // OPTIONS * asks about the server, not a resource (RFC 9110 section 9.3.7): the methods it serves.
        var allow = ServedMethods(methods);
        _serverOptions = new Pipeline(_global, Pipeline.From((req, res) => res.Status(200).Header("Allow", allow).End()));
        // CONNECT asks for a tunnel, which only a proxy makes (RFC 9110 section 9.3.6); Micro serves origins only.
        _connect = new Pipeline(_global, Pipeline.From(static (req, res) => res.Status(501).Send("Not Implemented: Micro is not a proxy and makes no CONNECT tunnels.")));
    }

    /// <summary>The body limit of the route a request's head is for (its own, or the server's), before the body arrives.</summary>
    private long BodyLimitOf(RequestHead head, ReadOnlySpan<byte> headBytes)
    {
        Span<ByteRange> captures = stackalloc ByteRange[Math.Max(_table!.MaxCaptures, 1)];
        var path = head.Path.Of(headBytes);
        var match = _table.Match(head.Method, head.MethodRange.Of(headBytes), path.IsEmpty ? "/"u8 : path, captures);
        return match.Status == RouteMatchStatus.Found && match.Handler!.MaxBodySize is { } limit ? limit : ServerOptions.MaxRequestBodySize;
    }

    /// <summary>Middleware that only describes the route (RouteMetadata.Produces, Summary...) is left out of its pipeline: it costs a request nothing.</summary>
    private static bool Runs(Middleware middleware) => middleware.Target is not IDescriptionOnly;

    /// <summary>
    /// Every route as declared (mounted routers' with their prefixes), with what it declares about itself: the
    /// metadata among the app's, its routers' and its own middleware. An OpenAPI document is made from this.
    /// </summary>
    public IReadOnlyList<RouteDescription> DescribeRoutes() =>
    [
        .. FlattenRoutes().Select(route => new RouteDescription(
            route.Method, route.Pattern, [.. Middleware.Concat(route.Chain).Select(m => m.Target).OfType<IRouteMetadata>()], route.Declared)),
    ];

    /// <summary>The Allow list of OPTIONS *: every method some route answers (GET brings HEAD), and OPTIONS.</summary>
    private static string ServedMethods(HashSet<string> methods)
    {
        string[] standard = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];
        if (methods.Contains("*"))
        {
            return string.Join(", ", standard);
        }
        if (methods.Contains("GET"))
        {
            methods.Add("HEAD");
        }
        methods.Add("OPTIONS");
        return string.Join(", ", standard.Where(methods.Contains).Concat(methods.Except(standard).Order(StringComparer.Ordinal)));
    }

    private IEnumerable<RouteEntry> FlattenRoutes()
    {
        foreach (var route in Routes)
        {
            yield return route;
        }
        foreach (var (prefix, router) in Mounted)
        {
            foreach (var route in router.Flatten(prefix, []))
            {
                yield return route;
            }
        }
    }

    /// <summary>multipart/form-data bodies are streamed so file parts are never held whole; every other body is buffered.</summary>
    private static bool IsMultipart(RequestHead head, ReadOnlySpan<byte> headBytes)
    {
        if (!head.TryGetHeader(headBytes, "Content-Type"u8, out var range))
        {
            return false;
        }
        var value = range.Of(headBytes);
        return value.Length >= 10 && Ascii.EqualsIgnoreCase(value[..10], "multipart/"u8);
    }
}
