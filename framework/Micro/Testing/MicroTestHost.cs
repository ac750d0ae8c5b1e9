using System.Net.Sockets;
using Micro.Hosting;
using Micro.Http;
using Micro.Transport;
using Micro.Transport.Interop;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Testing;

/// <summary>
/// Runs a <see cref="MicroApp"/> in memory, with no port and no network, for tests (as ASP.NET Core's TestServer or
/// Express's supertest): the app's own routes, middleware, limits and HTTP/1.1 engine on one reactor thread, reached
/// through an <see cref="HttpClient"/> or a raw byte stream. Each connection is a socket pair (socketpair(2)) whose
/// server end the reactor serves with the very transport it serves TCP connections with: the same reads, writes,
/// backpressure, timeouts, slow-reader rule and closes, so what passes here passes on a socket.
/// <code>
/// await using var host = new MicroTestHost(app);
/// using var client = host.CreateClient();
/// var text = await client.GetStringAsync("/hello/Ana");
/// </code>
/// </summary>
public sealed partial class MicroTestHost : IAsyncDisposable
{
    private readonly Reactor _reactor;
    private readonly ConnectionCounter _counter = new(null);
    private readonly MicroApp _app;
    private int _disposed;

    /// <summary>
    /// Builds <paramref name="app"/> (its routes as they are now) and starts serving it in memory, logging through
    /// <paramref name="loggerFactory"/> or else the app's own. The app must not be started otherwise.
    /// </summary>
    public MicroTestHost(MicroApp app, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Micro's reactor is built on Linux epoll.");
        }
        app.ServerOptions.Validate(); // what the server would refuse, the test host refuses alike
        loggerFactory ??= app.LoggerFactory ?? NullLoggerFactory.Instance;
        app.StartHostedServicesForTestHost(); // before it serves, as a server starts them before it listens
        var handler = app.PrepareToServe();
        HttpReactorState? state = null;
        _reactor = new Reactor(0, MicroServer.TransportOptionsFor(app.ServerOptions, [], reactorCount: 1, maxConnections: null),
            new ReactorLog(loggerFactory.CreateLogger("Micro.Transport")), _counter, connection => new HttpConnection(connection, state!));
        state = new HttpReactorState(_reactor, handler, MicroServer.HttpOptions(app.ServerOptions), new HttpLog(loggerFactory.CreateLogger("Micro.Http")), app.StopSignal);
        _app = app;
        ResponseFramer.RefreshDate();
        _reactor.Tick += _ => ResponseFramer.RefreshDate();
        _reactor.Start();
    }

    /// <summary>Connections open right now (one the server has ended stays open, half-closed, until its client closes too).</summary>
    public int ConnectionCount => _counter.Count;

    /// <summary>Completes once at most <paramref name="count"/> connections are open.</summary>
    internal Task WaitForConnectionCountAsync(int count, CancellationToken cancellationToken) => _counter.WaitForCountAsync(count, cancellationToken);

    /// <summary>
    /// An <see cref="HttpClient"/> whose every connection is an in-memory one to the app (base address
    /// http://localhost/), following no redirects, keeping cookies in <paramref name="cookies"/> when given.
    /// Dispose it before the host.
    /// </summary>
    public HttpClient CreateClient(System.Net.CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = (_, _) => new ValueTask<Stream>(Connect()),
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new System.Net.CookieContainer(),
            AllowAutoRedirect = false,
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost/") };
    }

    /// <summary>
    /// A raw connection to the app: write request bytes, read response bytes (pipelined requests, malformed input,
    /// a client that stops reading). It is a <see cref="NetworkStream"/>: its <see cref="NetworkStream.Socket"/>
    /// half-closes (<c>Shutdown(SocketShutdown.Send)</c>) as a client sending FIN would. Disposing it closes the
    /// connection as a client going away would.
    /// </summary>
    public unsafe NetworkStream Connect()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var pair = stackalloc int[2];
        Errno.ThrowIfFailed(Libc.SocketPair(Libc.AF_UNIX, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0, pair), "socketpair");
        var (server, client) = (pair[0], pair[1]);
        var flags = Libc.Fcntl(server, Libc.F_GETFL, 0);
        _counter.TryAcquire(); // as an accept does; the reactor releases it when the connection closes
        if (flags < 0 || Libc.Fcntl(server, Libc.F_SETFL, flags | Libc.O_NONBLOCK) < 0 || !_reactor.TryHandOver(server, PeerAddress.Loopback))
        {
            _counter.Release();
            Libc.Close(server);
            Libc.Close(client);
            throw new ObjectDisposedException(nameof(MicroTestHost), "The test host has stopped.");
        }
        return new NetworkStream(new Socket(new SafeSocketHandle(client, ownsHandle: true)), ownsSocket: true);
    }

    /// <summary>Closes every connection (handlers still running see <c>req.Aborted</c>), stops the reactor, then the app's hosted services.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _app.StopSignal.Begin();
        _reactor.Abort();
        await _reactor.Exited.ConfigureAwait(false);
        await _app.StopHostedServicesAsync().ConfigureAwait(false);
    }
}
