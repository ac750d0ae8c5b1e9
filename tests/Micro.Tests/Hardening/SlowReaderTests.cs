using Micro.ServerSentEvents;

namespace Micro.Tests.Hardening;

/// <summary>
/// Issue 20: the minimum response data rate must cut clients that do not read, never honest slow readers. A client
/// reading a streamed response or an event stream steadily at 70-100 KiB/s (hundreds of times the 240 B/s minimum)
/// was aborted after about 5 s: bytes were credited only when epoll said the socket was writable, and with the kernel's
/// send buffer autotuned to megabytes that comes after a third of it has drained. Kestrel keeps such a client.
/// </summary>
public abstract class SlowReaderTests
{
    protected static MicroApp App(TaskCompletionSource<string> ended)
    {
        var app = new MicroApp();
        var chunk = new byte[16 * 1024];
        app.Get("/stream", async (req, res) =>
        {
            try
            {
                while (!req.Aborted.IsCancellationRequested)
                {
                    await res.WriteAsync(chunk, req.Aborted);
                }
                ended.TrySetResult("aborted");
            }
            catch (Exception exception)
            {
                ended.TrySetResult(exception.GetType().Name);
                throw;
            }
        });
        app.Get("/events", async (req, res) =>
        {
            var events = res.EventStream();
            var data = new string('e', 8 * 1024);
            try
            {
                for (var id = 0; !req.Aborted.IsCancellationRequested; id++)
                {
                    await events.SendEventAsync(data, id: id.ToString());
                }
                ended.TrySetResult("aborted");
            }
            catch (Exception exception)
            {
                ended.TrySetResult(exception.GetType().Name);
                throw;
            }
        });
        app.ServerOptions.ReactorCount = 2;
        app.Listen(0);
        return app;
    }

    /// <summary>Reads <paramref name="bytesPerSecond"/> in tenths of a second for <paramref name="duration"/>, or until the server closes; returns what was read.</summary>
    protected static async Task<(long Read, bool Closed)> ReadSlowlyAsync(Socket socket, int bytesPerSecond, TimeSpan duration)
    {
        var buffer = new byte[Math.Max(1, bytesPerSecond / 10)];
        long read = 0;
        var until = DateTime.UtcNow + duration;
        while (DateTime.UtcNow < until)
        {
            var taken = 0;
            while (taken < buffer.Length)
            {
                int n;
                try
                {
                    n = await socket.ReceiveAsync(buffer.AsMemory(taken), SocketFlags.None).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                }
                catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
                {
                    return (read, true);
                }
                if (n == 0)
                {
                    return (read, true);
                }
                taken += n;
                read += n;
            }
            await Task.Delay(100); // the client's pace: the behaviour under test, not a wait for the server
        }
        return (read, false);
    }

    protected static async Task<Socket> RequestAsync(MicroApp app, string path)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, app.EndPoints[0].Port);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"), SocketFlags.None);
        return socket;
    }
}

public sealed class SlowStreamReaderTests : SlowReaderTests
{
    [Fact]
    public async Task A_client_reading_a_streamed_response_at_50_KiB_per_second_for_30_seconds_is_kept()
    {
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = App(ended);
        try
        {
            using var socket = await RequestAsync(app, "/stream");
            var (read, closed) = await ReadSlowlyAsync(socket, 50 * 1024, TimeSpan.FromSeconds(30));
            Assert.False(closed, $"the server cut the reader off after {read} bytes");
            Assert.InRange(read, 1_000_000, long.MaxValue);
            Assert.False(ended.Task.IsCompleted);
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task A_client_reading_at_100_bytes_per_second_is_cut_off()
    {
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = App(ended);
        try
        {
            using var socket = await RequestAsync(app, "/stream");
            // The server's view: its kernel buffers and the client's hold megabytes, which a client reading 100 B/s
            // would take days to reach the end of; what matters is that the server lets it go.
            var reading = ReadSlowlyAsync(socket, 100, TimeSpan.FromSeconds(60));
            // The handler learns it (its write throws, or req.Aborted cancels it), within the grace period and a second.
            Assert.Contains(await ended.Task.WaitAsync(TimeSpan.FromSeconds(60)), new[] { "ConnectionResetException", "TaskCanceledException", "OperationCanceledException" });
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await app.Server!.WaitForConnectionCountAsync(0, deadline.Token);
            await ServerHealth.AssertEveryReactorAnswersAsync(app.Server);
            socket.Close();
            await reading;
        }
        finally
        {
            await app.StopAsync();
        }
    }
}

public sealed class SlowEventStreamReaderTests : SlowReaderTests
{
    [Fact]
    public async Task A_client_reading_an_event_stream_at_50_KiB_per_second_is_kept()
    {
        var ended = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var app = App(ended);
        try
        {
            using var socket = await RequestAsync(app, "/events");
            var (read, closed) = await ReadSlowlyAsync(socket, 50 * 1024, TimeSpan.FromSeconds(15));
            Assert.False(closed, $"the server cut the reader off after {read} bytes");
            Assert.False(ended.Task.IsCompleted);
        }
        finally
        {
            await app.StopAsync();
        }
    }
}
