using Micro.Tests.Shared;

namespace Micro.Tests.Hosting;

/// <summary>
/// The reactor count follows the CPUs the process may use: Environment.ProcessorCount, which .NET reads from a
/// container's CPU quota (cgroup v2 cpu.max) and which DOTNET_PROCESSOR_COUNT overrides, as here.
/// </summary>
public sealed class ReactorCountTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task One_reactor_serves_per_cpu_the_process_is_given(int cpus)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var app = await ServedProcess.StartAsync(BuiltApps.TargetApp, deadline.Token,
            environment: new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = cpus.ToString() });
        var uri = new Uri(app.Url);
        var seen = new HashSet<string>();
        // New connections until every reactor there should be has answered one (the kernel spreads them by hash), and
        // a few more to show there is no other.
        for (var i = 0; i < 256 && (seen.Count < cpus || i < 32); i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(uri.Host, uri.Port, deadline.Token);
            await socket.SendAsync("GET /reactor HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"u8.ToArray(), SocketFlags.None, deadline.Token);
            var buffer = new byte[1024];
            var length = 0;
            int read;
            while ((read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, deadline.Token)) > 0)
            {
                length += read;
            }
            var text = Encoding.ASCII.GetString(buffer, 0, length);
            seen.Add(text[(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..]);
        }
        Assert.Equal(Enumerable.Range(0, cpus).Select(i => $"Micro reactor {i}"), seen.Order());
        await app.StopWithSigtermAsync(deadline.Token);
    }
}
