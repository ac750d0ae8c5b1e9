using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace Micro.Tests.Shared;

/// <summary>
/// An app run as its own process, the way a user runs it: `dotnet app.dll --port 0`, its URL read from the
/// "listening on http://..." line it prints first, stopped with SIGTERM, which must end it cleanly (exit code 0).
/// </summary>
internal sealed partial class ServedProcess : IDisposable
{
    private readonly Process _process;

    private ServedProcess(Process process, string url)
    {
        _process = process;
        Url = url;
    }

    /// <summary>Where the app said it listens.</summary>
    public string Url { get; }

    public static async Task<ServedProcess> StartAsync(string dll, CancellationToken cancellationToken)
    {
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        var process = Process.Start(start)!;
        var banner = await process.StandardOutput.ReadLineAsync(cancellationToken);
        var url = ListeningOn().Match(banner ?? "").Groups[1].Value;
        if (string.IsNullOrEmpty(url))
        {
            process.Kill();
            var errors = await process.StandardError.ReadToEndAsync(cancellationToken);
            process.Dispose();
            Assert.Fail($"unexpected first line: '{banner}'; standard error:\n{errors}");
        }
        return new ServedProcess(process, url);
    }

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
