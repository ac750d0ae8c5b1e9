using System.Net;
using Micro.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Micro;

/// <summary>The app's life: its hosted services and server started, run until told to stop, stopped, released.</summary>
public sealed partial class MicroApp : IAsyncDisposable
{
    private MicroServer? _server;
    private HostedServices? _hosted;
    private CancellationTokenRegistration? _stoppingWatch; // set once the app first starts: its lifetime follows its stop from then on
    private int _released;
    private readonly List<string> _urls = [];

    /// <summary>
    /// Where the app listens, as ASP.NET Core's <c>app.Urls</c>: before it starts, addresses to listen at
    /// (<c>app.Urls.Add("http://0.0.0.0:5000")</c>; "localhost", an IP address, or "*" for every address), which then
    /// replace the configured endpoints; once it listens, the addresses it is bound to (port 0 resolved), read-only.
    /// </summary>
    public ICollection<string> Urls => _server is null
        ? _urls
        : new System.Collections.ObjectModel.ReadOnlyCollection<string>([.. EndPoints.Select(endPoint => $"http://{endPoint}")]);

    /// <summary>Starts serving on <paramref name="port"/> of 127.0.0.1 (use <see cref="ServerOptions"/> for other addresses) and returns.</summary>
    public MicroApp Listen(int port)
    {
        _urls.Clear();
        ServerOptions.EndPoints.Clear();
        ServerOptions.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, port));
        Start();
        return this;
    }

    /// <summary>
    /// As ASP.NET Core's <c>app.Run()</c>: serves (at <paramref name="url"/> when given, instead of the configured
    /// endpoints) until SIGTERM, Ctrl+C or <c>app.Lifetime.StopApplication()</c>, blocking the calling thread; see
    /// <see cref="RunAsync(CancellationToken)"/>.
    /// </summary>
    public void Run(string? url = null)
    {
        // A handler that calls it would block its reactor until the app stops: refused, as a reactor never waits.
        if (_server?.Reactors.Any(reactor => reactor.IsOnReactorThread) == true)
        {
            throw new InvalidOperationException("app.Run() blocks until the app stops: call it from the app's main thread, not from a handler.");
        }
        (url is null ? RunAsync() : RunAsync(url)).GetAwaiter().GetResult();
    }

    /// <summary>Serves at <paramref name="url"/> (instead of the configured endpoints) until stopped, as ASP.NET Core's <c>app.RunAsync(url)</c>.</summary>
    public Task RunAsync(string url, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        if (_server is not null)
        {
            throw new InvalidOperationException($"The app is already running; it cannot run again at '{url}'.");
        }
        _urls.Clear();
        _urls.Add(url);
        return RunAsync(cancellationToken);
    }

    /// <summary>Starts serving on the configured endpoints and returns (after the app's hosted services have started).</summary>
    public void Start()
    {
        TakeUrls();
        StartHostedServicesAsync(CancellationToken.None).GetAwaiter().GetResult();
        StartServer();
    }

    /// <summary>
    /// Starts serving and returns, as <see cref="Start"/>, awaiting the hosted services' start (given
    /// <paramref name="cancellationToken"/>) instead of blocking on it, as ASP.NET Core's <c>app.StartAsync()</c>.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        TakeUrls();
        await StartHostedServicesAsync(cancellationToken).ConfigureAwait(false);
        StartServer();
    }

    /// <summary>
    /// An app built by <see cref="CreateBuilder"/> starts its hosted services (<c>AddHostedService</c>) before it
    /// listens, as ASP.NET Core's host starts them before its server; its IHostApplicationLifetime then follows the app.
    /// </summary>
    private async Task StartHostedServicesAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            throw new InvalidOperationException("The app is already running.");
        }
        _stoppingWatch ??= StopSignal.Stopping.Register(_lifetime.NotifyStopping);
        if (_ownedServices is not null && _hosted is null)
        {
            // Options registered with ValidateOnStart() are checked before anything starts, as the generic host checks
            // them: a bad setting fails the start with OptionsValidationException, not the first request that reads it.
            _ownedServices.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
            _hosted = new HostedServices(_ownedServices);
            await _hosted.StartAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The addresses <see cref="Urls"/> names become the endpoints, read before anything starts: one the app cannot
    /// listen at fails the start before a hosted service runs.
    /// </summary>
    private void TakeUrls()
    {
        if (_urls.Count > 0 && _server is null)
        {
            IPEndPoint[] endPoints = [.. _urls.SelectMany(url => ListenOptions.Parse(url))];
            ServerOptions.EndPoints.Clear();
            ServerOptions.EndPoints.AddRange(endPoints);
        }
    }

    private void StartServer()
    {
        _server = new MicroServer(ServerOptions, PrepareToServe(), _loggerFactory, StopSignal);
        _server.Start();
        _lifetime.NotifyStarted();
    }

    /// <summary>The in-memory test host serves the app: its hosted services run with it, as with ASP.NET Core's TestServer.</summary>
    internal void StartHostedServicesForTestHost()
    {
        StartHostedServicesAsync(CancellationToken.None).GetAwaiter().GetResult();
        _lifetime.NotifyStarted();
    }

    /// <summary>The app (or the in-memory test host) has stopped serving: its hosted services stop, then its lifetime says so.</summary>
    internal async Task StopHostedServicesAsync()
    {
        if (_hosted is not null)
        {
            await _hosted.StopAsync(ServerOptions.ShutdownTimeout).ConfigureAwait(false);
        }
        if (_stoppingWatch is not null)
        {
            _lifetime.NotifyStopped();
        }
    }

    /// <summary>
    /// Starts (unless started), serves until SIGTERM or Ctrl+C (or IHostApplicationLifetime.StopApplication), then
    /// shuts down gracefully: requests first, then hosted services.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (_server is null)
        {
            TakeUrls();
            await StartHostedServicesAsync(cancellationToken).ConfigureAwait(false);
            StartServer();
        }
        try
        {
            using var stopAsked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _lifetime.StopAsked);
            await _server!.RunAsync(stopAsked.Token).ConfigureAwait(false);
        }
        finally
        {
            await Topics.StopAsync(CancellationToken.None).ConfigureAwait(false); // what is queued for other instances goes first
            await StopHostedServicesAsync().ConfigureAwait(false);
            await ReleaseAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops gracefully: requests in flight finish, idle connections close.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken).ConfigureAwait(false);
            await Topics.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        await StopHostedServicesAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops the app if it is serving (gracefully, as <see cref="StopAsync"/>), then releases what it owns: its services
    /// (singletons disposed), and for an app built by <see cref="CreateBuilder"/> its configuration's file watches and its
    /// logging. <see cref="RunAsync(CancellationToken)"/> does this when it ends; an app started with <see cref="Start"/> is released here,
    /// as ASP.NET Core's WebApplication is by its DisposeAsync.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Volatile.Read(ref _released) != 0)
        {
            return;
        }
        await StopAsync().ConfigureAwait(false);
        await ReleaseAsync().ConfigureAwait(false);
    }

    private async ValueTask ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0)
        {
            return;
        }
        if (_ownedServices is not null)
        {
            await _ownedServices.DisposeAsync().ConfigureAwait(false); // singletons go with the app
        }
        _ownedConfiguration?.Dispose(); // its providers' change registrations
        (_environment as IDisposable)?.Dispose(); // the content root's file watch
        _stoppingWatch?.Dispose();
        _ownedLogging?.Dispose(); // the console's last lines written
    }
}
