using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Micro.Tests.Shared;

/// <summary>
/// An app run as its own process, the way a user runs it: `dotnet app.dll --port 0` (or a native executable), its URL read from the
/// "listening on http://..." line it prints first, stopped with SIGTERM, which must end it cleanly (exit code 0).
/// </summary>
internal sealed partial class ServedProcess : IDisposable
{
    private readonly Process _process;
    private readonly System.Text.StringBuilder _output = new();

    private ServedProcess(Process process, string url)
    {
        _process = process;
        Url = url;
        // The rest of what it prints (its log), kept for assertions; read so the pipe never fills and blocks the app.
        _collected = Task.WhenAll(Collect(process.StandardOutput), Collect(process.StandardError));
    }

    private readonly Task _collected;

    private readonly List<(string Text, TaskCompletionSource Seen)> _awaited = [];

    private async Task Collect(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
                foreach (var (text, seen) in _awaited.Where(awaited => line.Contains(awaited.Text, StringComparison.Ordinal)).ToList())
                {
                    seen.TrySetResult();
                    _awaited.Remove((text, seen));
                }
            }
        }
    }

    /// <summary>Completes when the app prints a line containing <paramref name="text"/> (or has already).</summary>
    public Task WaitForOutputAsync(string text, CancellationToken cancellationToken)
    {
        var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_output)
        {
            if (_output.ToString().Contains(text, StringComparison.Ordinal))
            {
                return Task.CompletedTask;
            }
            _awaited.Add((text, seen));
        }
        return seen.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for the process to end and for the last of what it printed to be read; its exit code.</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await _collected.WaitAsync(cancellationToken); // its pipes end with it: what it printed last is in Output after this
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, without waiting.</summary>
    public void SendSigterm()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])!;
        kill.WaitForExit();
    }

    /// <summary>What the app has printed after its first line, standard output and error together.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Where the app said it listens.</summary>
    public string Url { get; }

    /// <summary>The process id (for /proc/ID: open descriptors, memory).</summary>
    public int Id => _process.Id;

    /// <summary>True while the process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The whole first line the app printed.</summary>
    public string Banner { get; private init; } = "";

    /// <param name="openFilesLimit">Runs the app under prlimit with this RLIMIT_NOFILE (soft and hard), when given.</param>
    /// <param name="environment">Environment variables to set for the app.</param>
    /// <param name="launcher">A command that execs the rest (such as nsenter), so the process id stays the app's.</param>
    /// <param name="portZero">Adds <c>--port 0</c> (a free port on 127.0.0.1); false lets the app listen where its settings say.</param>
    public static async Task<ServedProcess> StartAsync(string dll, CancellationToken cancellationToken, IEnumerable<string>? arguments = null, int? openFilesLimit = null,
        IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? launcher = null, bool portZero = true)
    {
        Assert.True(File.Exists(dll), $"{dll} was not built");
        // prlimit sets the limit and execs the command, so the process id stays the app's (SIGTERM reaches it).
        // A .dll runs under dotnet; anything else is an executable of its own (a Native AOT app).
        List<string> command = [.. launcher ?? [], .. openFilesLimit is { } limit ? ["prlimit", $"--nofile={limit}:{limit}"] : Array.Empty<string>(),
            .. dll.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet"] : Array.Empty<string>(), dll];
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var part in command.Skip(1))
        {
            start.ArgumentList.Add(part);
        }
        if (portZero)
        {
            start.ArgumentList.Add("--port");
            start.ArgumentList.Add("0");
        }
        foreach (var argument in arguments ?? [])
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start)!;
        // What the app logs while it starts (warnings) comes before the line that says where it listens.
        var before = new List<string>();
        string? banner;
        while ((banner = await process.StandardOutput.ReadLineAsync(cancellationToken)) is not null && !ListeningOn().IsMatch(banner) && before.Count < 20)
        {
            before.Add(banner);
        }
        var url = ListeningOn().Match(banner ?? "").Groups[1].Value;
        if (string.IsNullOrEmpty(url))
        {
            process.Kill();
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            process.Dispose();
            Assert.Fail($"no line says where it listens: '{string.Join("\n", before)}\n{banner}'; standard error:\n{errors}");
        }
        var served = new ServedProcess(process, url) { Banner = banner! };
        served.StartupOutput = string.Join("\n", before);
        return served;
    }

    /// <summary>What the app printed before the line that says where it listens (its start-up warnings).</summary>
    public string StartupOutput { get; private set; } = "";

    /// <summary>Sends SIGTERM and asserts the app stops gracefully.</summary>
    public async Task StopWithSigtermAsync(CancellationToken cancellationToken)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync(cancellationToken);
        }
        await _process.WaitForExitAsync(cancellationToken);
        Assert.Equal(0, _process.ExitCode);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();
}
