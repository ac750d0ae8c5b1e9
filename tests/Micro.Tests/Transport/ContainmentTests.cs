using Micro.Transport;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Transport;

/// <summary>
/// Issue 20: the reactor's containment of one connection's failure must itself be safe. An out-of-memory escaped
/// through the failure's own log call (a logger that threw while writing it), and the reactor went down with every
/// connection it served. Here a protocol throws OutOfMemoryException and every logger call throws.
/// </summary>
public sealed class ContainmentTests
{
    /// <summary>Echoes what it receives, but throws an out-of-memory on "oom": as a rent of a buffer would.</summary>
    private sealed class FragileEcho(TransportConnection connection) : IConnectionProtocol
    {
        public int OnReceived(byte[] buffer, int length)
        {
            if (buffer.AsSpan(0, length).StartsWith("oom"u8))
            {
                throw new OutOfMemoryException("Array dimensions exceeded supported range (as a rent that cannot be met).");
            }
            buffer.AsSpan(0, length).CopyTo(connection.Output.GetSpan(length));
            connection.Output.Advance(length);
            connection.Flush();
            return length;
        }

        public void OnInputEnded() => connection.Close();

        public void OnOutputDrained()
        {
        }

        public void OnTick(long nowMilliseconds)
        {
        }

        public void OnStopping() => connection.Close();

        public void OnClosed()
        {
        }
    }

    /// <summary>Every call throws, as a logger whose sink broke or that ran out of memory formatting.</summary>
    private sealed class ThrowingLogger : ILogger
    {
        public int Calls;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => throw new InvalidOperationException("scope");

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Interlocked.Increment(ref Calls);
            throw new AggregateException("An error occurred while writing to logger(s).", new OutOfMemoryException());
        }
    }

    [Fact]
    public async Task A_connection_failing_with_out_of_memory_under_a_throwing_logger_is_closed_and_the_reactor_serves_on()
    {
        var logger = new ThrowingLogger();
        var options = new TransportOptions { EndPoints = [], ReactorCount = 1 };
        var reactor = new Reactor(0, options, new ReactorLog(logger), new ConnectionCounter(null), connection => new FragileEcho(connection));
        var listener = Reactor.Bind(new IPEndPoint(IPAddress.Loopback, 0), sharePort: false, backlog: 16, out var endPoint);
        reactor.Adopt(listener);
        Micro.Transport.Interop.Libc.Close(listener);
        reactor.Start();
        try
        {
            for (var round = 0; round < 3; round++)
            {
                using var failing = await ConnectAsync(endPoint);
                await failing.SendAsync("oom"u8.ToArray());
                Assert.Equal(0, await failing.ReceiveAsync(new byte[16], SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30))); // closed

                using var healthy = await ConnectAsync(endPoint);
                await healthy.SendAsync("still here"u8.ToArray());
                var buffer = new byte[16];
                var read = await healthy.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal("still here", System.Text.Encoding.ASCII.GetString(buffer, 0, read));
            }
            Assert.False(reactor.Exited.IsCompleted);
            Assert.Null(reactor.Failure);
            Assert.True(logger.Calls >= 3, "the failures were offered to the logger");
        }
        finally
        {
            reactor.Abort();
            await reactor.Exited.WaitAsync(TimeSpan.FromSeconds(30));
        }
    }

    private static async Task<Socket> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(endPoint);
        return socket;
    }
}
