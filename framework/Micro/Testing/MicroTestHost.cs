using Micro.Hosting;
using Micro.Http;
using Micro.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Micro.Testing;

/// <summary>
/// Runs a <see cref="MicroApp"/> in memory, with no socket and no port, for tests (as ASP.NET Core's TestServer or
/// Express's supertest): the app's own routes, middleware, limits and HTTP/1.1 engine (parser, pipelining, framing,
/// timeouts) on one reactor thread, reached through an <see cref="HttpClient"/> or a raw byte stream.
/// <code>
/// await using var host = new MicroTestHost(app);
/// using var client = host.CreateClient();
/// var text = await client.GetStringAsync("/hello/Ana");
/// </code>
/// </summary>
public sealed class MicroTestHost : IAsyncDisposable
{
    private readonly Reactor _reactor;
    private readonly HttpReactorState _state;
    private readonly HashSet<MemoryConnection> _connections = [];
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
        loggerFactory ??= app.LoggerFactory ?? NullLoggerFactory.Instance;
        var handler = app.PrepareToServe();
        var transportOptions = new TransportOptions { EndPoints = [], ReactorCount = 1 };
        _reactor = new Reactor(0, transportOptions, new ReactorLog(loggerFactory.CreateLogger("Micro.Transport")),
            new ConnectionCounter(int.MaxValue), _ => throw new InvalidOperationException("The in-memory host accepts no sockets."));
        _state = new HttpReactorState(_reactor, handler, MicroServer.HttpOptions(app.ServerOptions),
            new HttpLog(loggerFactory.CreateLogger("Micro.Http")), app.Shutdown);
        _app = app;
        DateHeader.Refresh();
        _reactor.Tick += OnTick;
        _reactor.Start();
    }

    /// <summary>Connections open right now.</summary>
    public int ConnectionCount => Run(host => host._connections.Count);

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
    /// a client that stops reading). Disposing it closes the connection as a client going away would.
    /// </summary>
    public Stream Connect()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        return Run(host =>
        {
            var connection = new MemoryConnection(host._reactor, closed => host._connections.Remove(closed));
            connection.Protocol = new HttpConnection(connection, host._state);
            host._connections.Add(connection);
            return new MemoryClientStream(host._reactor, connection);
        });
    }

    /// <summary>Closes every connection (handlers still running see <c>req.Aborted</c>) and stops the reactor.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _app.Shutdown.Set();
        _reactor.Post(static state =>
        {
            var host = (MicroTestHost)state!;
            foreach (var connection in host._connections.ToArray())
            {
                connection.Close();
            }
        }, this);
        _reactor.BeginDrain();
        await _reactor.Exited.ConfigureAwait(false);
    }

    private void OnTick(long now)
    {
        DateHeader.Refresh();
        foreach (var connection in _connections.ToArray())
        {
            connection.OnTick(now);
        }
    }

    /// <summary>Runs <paramref name="work"/> on the reactor thread, which owns the connections, and waits for it.</summary>
    private T Run<T>(Func<MicroTestHost, T> work)
    {
        T result = default!;
        _reactor.SynchronizationContext.Send(_ => result = work(this), null);
        return result;
    }
}
