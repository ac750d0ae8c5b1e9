using Micro.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro;

/// <summary>
/// Builds a <see cref="MicroApp"/> with configuration, logging and services, as ASP.NET Core's WebApplicationBuilder:
/// <code>
/// var builder = MicroApp.CreateBuilder(args);
/// builder.Services.AddSingleton&lt;TodoStore&gt;();
/// var app = builder.Build();
/// app.Get("/todos", (req, res) => res.Json(req.Services.GetRequiredService&lt;TodoStore&gt;().All()));
/// </code>
/// Configuration comes from the sources WebApplicationBuilder reads, in its order (a later source winning):
/// appsettings.json, appsettings.{Environment}.json, {ApplicationName}.settings.json, user secrets in Development,
/// environment variables and the command line, the files read again when they change; the section "Micro" sets the
/// server's options (<c>Micro:MaxRequestBodySize</c>, <c>Micro:KeepAliveTimeout</c> as "00:01:00",
/// <c>Micro:ReactorCount</c>...), and "Logging" the log levels (a change to the file applies at once).
/// </summary>
public sealed class MicroAppBuilder
{
    private readonly string[] _args;
    private readonly MicroHostEnvironment _environment;
    private bool _built;

    internal MicroAppBuilder(string[] args)
    {
        _args = args;
        var host = DefaultConfiguration.AddHostSources(Configuration, args);
        ContentRoot = host.ContentRoot;
        _environment = new MicroHostEnvironment(host);
        DefaultConfiguration.AddAppSources(Configuration, host, _environment.ContentRootFileProvider, args);
        Services.AddSingleton<IConfiguration>(Configuration);
        // The generic host's timeouts as its configuration keys set them; the app's own Configure<HostOptions> runs after.
        Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(host => DefaultConfiguration.ReadHostOptions(host, Configuration));
        // What ASP.NET Core's web host offers and its middleware take (app.UseAspNetCore): the environment (the static
        // files, the developer exception page), the diagnostic listener (the exception handler, routing) and a meter
        // factory. Made by the container, which disposes the listener with the app.
        Services.AddSingleton<Microsoft.AspNetCore.Hosting.IWebHostEnvironment>(_environment);
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostEnvironment>(_environment);
        Services.AddSingleton(_ => new System.Diagnostics.DiagnosticListener("Microsoft.AspNetCore"));
        Services.AddSingleton<System.Diagnostics.DiagnosticSource>(services => services.GetRequiredService<System.Diagnostics.DiagnosticListener>());
        Services.AddMetrics(); // IMeterFactory, for the middleware's own meters
        // Middleware written as IMiddleware (pipeline.UseMiddleware<T>()) is made per request by this factory, which the
        // web host registers; without it every request through such a middleware failed.
        Services.AddScoped<Microsoft.AspNetCore.Http.IMiddlewareFactory, Microsoft.AspNetCore.Http.MiddlewareFactory>();
        // Hosted services run with the app (AddHostedService), and the app's lifetime is the host's: IHostApplicationLifetime.
        Services.AddSingleton<MicroApplicationLifetime>();
        Services.AddSingleton<Microsoft.Extensions.Hosting.IHostApplicationLifetime>(services => services.GetRequiredService<MicroApplicationLifetime>());
        Services.AddLogging(logging =>
        {
            logging.AddConfiguration(Configuration.GetSection("Logging"));
            logging.AddSimpleConsole(console => console.SingleLine = true);
            // As ASP.NET Core's host: the debugger's output, and the event source that dotnet-trace and dotnet-monitor
            // collect logs from (each costs nothing while no one listens).
            logging.AddDebug();
            logging.AddEventSourceLogger();
        });
    }

    /// <summary>
    /// Where appsettings.json is read from, as ASP.NET Core's content root: <c>--contentRoot</c>, else
    /// DOTNET_CONTENTROOT or ASPNETCORE_CONTENTROOT (a relative path from the app's own folder), else the current
    /// directory (the project's folder under <c>dotnet run</c>, the app's folder in a container whose WORKDIR it is).
    /// A folder that does not exist fails <c>CreateBuilder</c> with DirectoryNotFoundException, as on ASP.NET Core.
    /// </summary>
    public string ContentRoot { get; }

    /// <summary>
    /// Where the app listens when nothing else says (<c>--urls</c>, <c>--port</c>, "urls" in configuration,
    /// ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS): "http://127.0.0.1:8080" unless set.
    /// </summary>
    public string DefaultUrls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>
    /// The app's environment, as ASP.NET Core's <c>builder.Environment</c> (<c>if (builder.Environment.IsDevelopment())</c>):
    /// its name "Production" unless <c>--environment</c>, DOTNET_ENVIRONMENT or ASPNETCORE_ENVIRONMENT says otherwise
    /// ("Development", "Staging"), the first of them that is set winning; its application name, content root and web root.
    /// </summary>
    public Microsoft.AspNetCore.Hosting.IWebHostEnvironment Environment => _environment;

    /// <summary>The app's configuration; add sources before <see cref="Build"/>.</summary>
    public ConfigurationManager Configuration { get; } = new();

    /// <summary>The app's services: singletons shared by every request, scoped ones made per request (<c>req.Services</c>).</summary>
    public IServiceCollection Services { get; } = new ServiceCollection();

    /// <summary>Logging: console by default, levels from the "Logging" section; add or clear providers here.</summary>
    public ILoggingBuilder Logging => new LoggingBuilder(Services);

    /// <summary>Builds the service provider and the app, its server options read from the "Micro" section.</summary>
    public MicroApp Build()
    {
        // Once, as WebApplicationBuilder: a second app would share (and, disposed, close) this one's configuration.
        if (_built)
        {
            throw new InvalidOperationException("Build can only be called once.");
        }
        _built = true;
        // ASP.NET Core's authorization (its policy cache) asks for the app's endpoints when its services are checked;
        // a Micro app's routes are not ASP.NET Core endpoints, so it is given none.
        if (!Services.Any(service => service.ServiceType == typeof(Microsoft.AspNetCore.Routing.EndpointDataSource)))
        {
            Services.AddSingleton<Microsoft.AspNetCore.Routing.EndpointDataSource>(new Microsoft.AspNetCore.Routing.DefaultEndpointDataSource());
        }
        // A service added after this would never be found; adding one now fails where it is added, as on ASP.NET Core.
        ((ServiceCollection)Services).MakeReadOnly();
        var provider = Services.BuildServiceProvider(new ServiceProviderOptions
        {
            ValidateScopes = _environment.EnvironmentName == "Development",
            ValidateOnBuild = true,
        });
        var options = ListenOptions.FromCommandLine(_args, Configuration["urls"] ?? System.Environment.GetEnvironmentVariable("ASPNETCORE_URLS"),
            Configuration["http_ports"] ?? System.Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"), DefaultUrls);
        Configuration.GetSection("Micro").BindServerOptions(options);
        TakeHostShutdownTimeout(provider, options);
        return new MicroApp(options, provider.GetRequiredService<ILoggerFactory>(), provider, Configuration, _environment);
    }

    /// <summary>
    /// The generic host's shutdown timeout, when the app set it (<c>services.Configure&lt;HostOptions&gt;(...)</c>, or
    /// <c>shutdownTimeoutSeconds</c> in configuration, as ASP.NET Core's host reads it) and "Micro:ShutdownTimeout" does
    /// not say otherwise: it bounds the graceful stop, requests and hosted services alike, as on ASP.NET Core.
    /// </summary>
    private void TakeHostShutdownTimeout(IServiceProvider provider, MicroServerOptions options)
    {
        var host = provider.GetService<Microsoft.Extensions.Options.IOptions<Microsoft.Extensions.Hosting.HostOptions>>()?.Value;
        if (Configuration["Micro:ShutdownTimeout"] is null && host is not null && host.ShutdownTimeout != s_defaultHostShutdown)
        {
            options.ShutdownTimeout = host.ShutdownTimeout;
        }
    }

    private static readonly TimeSpan s_defaultHostShutdown = new Microsoft.Extensions.Hosting.HostOptions().ShutdownTimeout;

    private sealed class LoggingBuilder(IServiceCollection services) : ILoggingBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
