namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: a client that is not .NET's: Python's websockets library (Debian's python3-websockets; scripts/test.sh installs it).</summary>
public sealed class InteropTests
{
    [Fact]
    public async Task Pythons_websockets_client_talks_to_micro()
    {
        await using var server = new WebSocketApp();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "tests", "Micro.Tests", "WebSockets", "python_client.py"));
        start.ArgumentList.Add(server.EndPoint.ToString());
        using var python = Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = python.StandardError.ReadToEndAsync(deadline.Token);
        await python.WaitForExitAsync(deadline.Token);
        Assert.True(python.ExitCode == 0, $"python3 python_client.py failed ({python.ExitCode}):\n{await output}\n{await errors}");
        Assert.Equal(["ok route parameters and text", "ok binary, fragments, ping", "ok close handshake"], (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal((4000, "python says bye"), await server.Ended.Task.WaitAsync(deadline.Token));
    }
}
