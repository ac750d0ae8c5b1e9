using Micro.Testing;

namespace Micro.Tests;

/// <summary>Runs a <see cref="MicroApp"/> on 127.0.0.1 port 0 for the length of one test.</summary>
internal static class TestApp
{
    /// <summary>Starts <paramref name="app"/>, runs <paramref name="test"/> with a client for it, then stops the app.</summary>
    public static async Task RunAsync(MicroApp app, Func<HttpClient, Uri, Task> test, bool useCookies = true)
    {
        app.ServerOptions.ReactorCount = 2;
        app.Listen(0);
        try
        {
            var url = new Uri($"http://{app.EndPoints[0]}");
            using var client = new HttpClient(new HttpClientHandler { UseCookies = useCookies }) { BaseAddress = url };
            await test(client, url);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    /// <summary>Runs <paramref name="app"/> in memory (the public test host) for <paramref name="test"/>: the app's tests need no socket.</summary>
    public static async Task RunInMemoryAsync(MicroApp app, Func<HttpClient, MicroTestHost, Task> test, bool useCookies = true)
    {
        await using var host = new MicroTestHost(app);
        using var client = host.CreateClient(useCookies ? new CookieContainer() : null);
        await test(client, host);
    }

    /// <summary>A raw in-memory connection to the app, for what HttpClient would rewrite.</summary>
    public static Task<RawClient> ConnectAsync(MicroTestHost host)
    {
        var stream = host.Connect();
        return Task.FromResult(new RawClient(stream, stream.Socket));
    }

    /// <summary>A raw connection to the app at <paramref name="url"/>, for what HttpClient would rewrite.</summary>
    public static async Task<RawClient> ConnectAsync(Uri url)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, url.Port));
        return new RawClient(socket);
    }
}
