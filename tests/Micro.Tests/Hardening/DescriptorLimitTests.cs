using Micro.Tests.Shared;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 9, defect 6: running out of file descriptors must not kill the process. Each test runs tests/TargetApp as a
/// child process under prlimit with a low RLIMIT_NOFILE, floods it with connections, and checks that it sheds the
/// excess, survives, and then answers new connections on every reactor.
/// The second test found that a process at its descriptor limit cannot load an assembly: the parser's first
/// vectorized scan loaded System.Runtime.Intrinsics, failed, and that client was closed unanswered (one run in three);
/// the server now loads what its request path needs when it starts (<c>StartupWarmup</c>).
/// </summary>
public sealed class DescriptorLimitTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task By_default_connections_past_the_open_files_limit_are_shed_and_the_server_survives()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token, openFilesLimit: 400);
        // 400 less the reserve of 128 and what the process holds already (its assemblies, logs, listeners: about 130).
        var max = int.Parse(System.Text.RegularExpressions.Regex.Match(app.Banner, @"\(max (\d+) connections\)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(max, 100, 272);
        var endPoint = EndPointOf(app);
        var clients = new List<Socket>();
        try
        {
            for (var i = 0; i < 350; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(endPoint, deadline.Token);
                clients.Add(socket);
            }
            var results = await Task.WhenAll(clients.Select(socket => AskAsync(socket, deadline.Token)));
            var served = results.Count(text => text.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal));
            var shed = results.Count(text => text.Length == 0);
            Assert.Equal(350, served + shed);
            Assert.InRange(served, 1, max);
            Assert.True(shed >= 350 - max, $"{shed} shed");
            Assert.True(app.IsRunning);
        }
        finally
        {
            clients.ForEach(socket => socket.Dispose());
        }
        await AssertEveryReactorAnswersAsync(endPoint, deadline.Token);
        await app.StopWithSigtermAsync(deadline.Token);
    }

    [Fact]
    public async Task Past_the_limit_accepting_backs_off_and_every_client_is_served_once_descriptors_free_up()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        // A cap set above what the process can open: accept meets EMFILE, and must back off rather than fail.
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token, ["--max-connections", "100000"], openFilesLimit: 300);
        var endPoint = EndPointOf(app);
        // Every client connects and sends a keep-alive request before any reads: the server holds connections until
        // accept fails with EMFILE, and the rest wait in the backlog.
        var clients = new List<Socket>();
        for (var i = 0; i < 400; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, deadline.Token);
            await socket.SendAsync("GET /reactor HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            clients.Add(socket);
        }
        var answered = 0;
        await Task.WhenAll(clients.Select(async socket =>
        {
            using (socket)
            {
                var buffer = new byte[4096];
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
                Assert.True(read > 0 && Encoding.ASCII.GetString(buffer, 0, read).StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal),
                    $"a client got '{Encoding.ASCII.GetString(buffer, 0, read)}'; the server said:\n{app.Output}");
                Interlocked.Increment(ref answered);
            } // closing frees a descriptor in the server for a client still waiting in the backlog
        }));
        Assert.Contains("accept failed with errno 24", app.Output);
        Assert.Equal(400, answered);
        Assert.True(app.IsRunning);
        await AssertEveryReactorAnswersAsync(endPoint, deadline.Token);
        await app.StopWithSigtermAsync(deadline.Token);
    }

    private static IPEndPoint EndPointOf(ServedProcess app)
    {
        var uri = new Uri(app.Url);
        return new IPEndPoint(IPAddress.Parse(uri.Host), uri.Port);
    }

    /// <summary>Sends one request; returns the response head, or "" when the server closed without answering.</summary>
    private static async Task<string> AskAsync(Socket socket, CancellationToken cancellationToken)
    {
        try
        {
            await socket.SendAsync("GET /reactor HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
            return await SocketActivation.ReadAllAsync(socket, cancellationToken);
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            return "";
        }
    }

    /// <summary>New connections until each reactor (named in the /reactor answer) has answered one.</summary>
    private static async Task AssertEveryReactorAnswersAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < 256 && names.Count < Environment.ProcessorCount; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(endPoint, cancellationToken);
            var text = await AskAsync(socket, cancellationToken);
            Assert.StartsWith("HTTP/1.1 200 ", text);
            names.Add(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        }
        Assert.Equal(Environment.ProcessorCount, names.Count);
    }
}
