using Micro.Tests.Deployment;

namespace Micro.Tests.Topics;

/// <summary>
/// Debian's redis-server (scripts/test.sh installs it), started for one test on a private port of 127.0.0.1, with
/// nothing saved to disk; it can be killed and started again on the same port, as a restarting Redis is.
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("micro-redis-");
    private readonly string? _password;
    private Process? _process;

    private RedisServer(int port, string? password, bool tls)
    {
        (Port, _password) = (port, password);
        if (tls)
        {
            Certificate = ProxyFiles.WriteCertificate(_directory.FullName); // certificate.pem and key.pem, for 127.0.0.1
        }
    }

    public int Port { get; }

    /// <summary>The server's self-signed certificate when it speaks TLS only; else null.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; }

    /// <summary>A StackExchange.Redis configuration string for it (short timeouts: a test that waits, waits on purpose).</summary>
    public string Configuration => $"127.0.0.1:{Port},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000" + (_password is null ? "" : $",password={_password}") +
        (Certificate is null ? "" : ",ssl=true,sslHost=127.0.0.1");

    /// <param name="password">requirepass, when given.</param>
    /// <param name="tls">TLS only (no plain port), with a certificate made here (<see cref="Certificate"/>); <see cref="CommandAsync"/> is then not available.</param>
    public static async Task<RedisServer> StartAsync(string? password = null, bool tls = false)
    {
        Assert.True(File.Exists("/usr/bin/redis-server"), "redis-server is not installed (Debian's redis-server; scripts/test.sh installs it)");
        for (var attempt = 0; ; attempt++)
        {
            var server = new RedisServer(ProxyFiles.FreePort(), password, tls);
            if (await server.TryStartAsync())
            {
                return server;
            }
            await server.DisposeAsync();
            Assert.True(attempt < 3, "redis-server did not start on any of four free ports");
        }
    }

    /// <summary>Starts it again on its port, after <see cref="KillAsync"/>.</summary>
    public async Task RestartAsync() => Assert.True(await TryStartAsync(), $"redis-server did not start again on {Port}");

    /// <summary>SIGKILL: the connections drop at once, as when Redis crashes.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Runs a command (redis-cli style words) and returns its reply as text.</summary>
    public async Task<string> CommandAsync(params string[] words)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port);
        var stream = client.GetStream();
        var request = new StringBuilder();
        if (_password is not null)
        {
            AppendCommand(request, ["AUTH", _password]);
        }
        AppendCommand(request, words);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        if (_password is not null)
        {
            await reader.ReadLineAsync(); // +OK
        }
        return await ReadReplyAsync(reader);
    }

    private static void AppendCommand(StringBuilder request, string[] words)
    {
        request.Append('*').Append(words.Length).Append("\r\n");
        foreach (var word in words)
        {
            request.Append('$').Append(Encoding.UTF8.GetByteCount(word)).Append("\r\n").Append(word).Append("\r\n");
        }
    }

    /// <summary>A RESP reply, flattened: arrays as their items joined by spaces.</summary>
    private static async Task<string> ReadReplyAsync(StreamReader reader)
    {
        var line = await reader.ReadLineAsync() ?? throw new IOException("Redis closed the connection");
        switch (line[0])
        {
            case '*':
                var items = new List<string>();
                for (var i = 0; i < int.Parse(line[1..]); i++)
                {
                    items.Add(await ReadReplyAsync(reader));
                }
                return string.Join(' ', items);
            case '$':
                return int.Parse(line[1..]) < 0 ? "" : await reader.ReadLineAsync() ?? "";
            default:
                return line[1..];
        }
    }

    private async Task<bool> TryStartAsync()
    {
        var start = new ProcessStartInfo("/usr/bin/redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] port = Certificate is null
            ? ["--port", Port.ToString()]
            : ["--port", "0", "--tls-port", Port.ToString(), "--tls-cert-file", Path.Combine(_directory.FullName, "certificate.pem"),
                "--tls-key-file", Path.Combine(_directory.FullName, "key.pem"), "--tls-auth-clients", "no"];
        foreach (var argument in port.Concat(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory.FullName, "--daemonize", "no"]))
        {
            start.ArgumentList.Add(argument);
        }
        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.Contains("Ready to accept connections", StringComparison.Ordinal))
                {
                    ready.TrySetResult(true);
                }
                if (line.Contains("Address already in use", StringComparison.Ordinal))
                {
                    ready.TrySetResult(false);
                }
            }
            ready.TrySetResult(false); // it ended without saying it was ready
        });
        if (await ready.Task.WaitAsync(TimeSpan.FromSeconds(30)))
        {
            _process = process;
            return true;
        }
        if (!process.HasExited)
        {
            process.Kill();
        }
        process.Dispose();
        return false;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        Certificate?.Dispose();
        _directory.Delete(recursive: true);
    }
}
