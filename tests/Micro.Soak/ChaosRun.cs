using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Micro.Soak;

/// <summary>
/// Many concurrent clients, each running random hostile scenarios against tests/TargetApp one after another:
/// pipelines split at random points (bodies by length and chunked, async and streamed answers), resets in the
/// middle of a request and of a pipeline, half-closes, slow readers (fast ones with a tiny window, and honest ones at
/// 50-100 KiB/s that the minimum data rate must keep), clients that never read, WebSocket clients whose frame headers
/// declare far more than they send, garbage. Every
/// answer is checked for status, body and order; a scenario that breaks a rule or does not end in time is a failure.
/// </summary>
internal sealed partial class ChaosRun(IPEndPoint endPoint, int seed, bool finEndsRequests = false)
{
    private static readonly TimeSpan ScenarioDeadline = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<string, long> _scenarios = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private long _requests;
    private long _failureCount;

    public long Requests => Interlocked.Read(ref _requests);

    public long FailureCount => Interlocked.Read(ref _failureCount);

    /// <summary>The first failures, for the report.</summary>
    public IReadOnlyCollection<string> Failures => _failures;

    public IReadOnlyDictionary<string, long> Scenarios => _scenarios;

    public async Task RunAsync(int clients, TimeSpan duration)
    {
        using var stop = new CancellationTokenSource(duration);
        await Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(() => ClientLoopAsync(new Random(seed * 7919 + client), stop.Token))));
    }

    private async Task ClientLoopAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var (name, scenario) = random.Next(100) switch
            {
                < 40 => ("pipeline", (Func<Random, CancellationToken, Task>)PipelineAsync),
                < 48 => ("half-close", HalfCloseAsync),
                < 55 => ("reset mid-request", ResetMidRequestAsync),
                < 62 => ("reset mid-pipeline", ResetMidPipelineAsync),
                < 70 => ("slow reader", SlowReaderAsync),
                < 74 => ("slow honest reader", HonestSlowReaderAsync),
                < 80 => ("never reads", NeverReadsAsync),
                < 88 => ("websocket declaring a large frame", LargeDeclaredFrameAsync),
                _ => ("garbage", GarbageAsync),
            };
            _scenarios.AddOrUpdate(name, 1, (_, count) => count + 1);
            using var deadline = new CancellationTokenSource(ScenarioDeadline);
            try
            {
                await scenario(random, deadline.Token);
            }
            catch (Exception exception)
            {
                Interlocked.Increment(ref _failureCount);
                if (_failures.Count < 20)
                {
                    _failures.Enqueue($"{name}: {(deadline.IsCancellationRequested ? "did not end within 30 s: " : "")}{exception.GetType().Name}: {exception.Message}");
                }
            }
        }
    }

    internal async Task<Socket> ConnectAsync(CancellationToken cancellationToken, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        await socket.ConnectAsync(endPoint, cancellationToken);
        return socket;
    }

    internal static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    private static List<PlannedRequest> Plan(Random random, int count, bool closeLast) =>
        [.. Enumerable.Range(0, count).Select(i => PlannedRequest.Random(random, closeLast && i == count - 1))];

    /// <summary>Sends the bytes in random pieces, yielding between them, so the server sees requests split anywhere.</summary>
    private static async Task SendSplitAsync(Socket socket, byte[] bytes, Random random, CancellationToken cancellationToken)
    {
        var offset = 0;
        while (offset < bytes.Length)
        {
            var size = random.Next(3) == 0 ? bytes.Length - offset : Math.Min(bytes.Length - offset, random.Next(1, 2048));
            await socket.SendAsync(bytes.AsMemory(offset, size), SocketFlags.None, cancellationToken);
            offset += size;
            if (random.Next(4) == 0)
            {
                await Task.Delay(random.Next(0, 3), cancellationToken);
            }
        }
    }

    internal async Task ExpectAsync(ChaosResponseReader reader, List<PlannedRequest> planned, CancellationToken cancellationToken)
    {
        for (var i = 0; i < planned.Count; i++)
        {
            var response = await reader.ReadAsync(cancellationToken)
                ?? throw new InvalidDataException($"the server closed after {i} of {planned.Count} responses");
            if (response.Status != 200 || response.Body != planned[i].Body)
            {
                throw new InvalidDataException($"response {i} of {planned.Count}: {response.Status} with {response.Body.Length} chars, expected 200 with {planned[i].Body.Length}");
            }
            Interlocked.Increment(ref _requests);
        }
    }

    /// <summary>
    /// Against a server that takes a client's FIN as the client gone (the ASP.NET Core host, as Kestrel): the answers
    /// that come are the planned ones, in order, until the server closes (at a response's end, inside one, or by a reset).
    /// </summary>
    private async Task ExpectUntilClosedAsync(ChaosResponseReader reader, List<PlannedRequest> planned, CancellationToken cancellationToken)
    {
        for (var i = 0; i <= planned.Count; i++)
        {
            ChaosResponseReader.Response? response;
            try
            {
                response = await reader.ReadAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is SocketException || (exception is InvalidDataException && exception.Message.StartsWith("the connection closed inside", StringComparison.Ordinal)))
            {
                return;
            }
            if (response is null)
            {
                return;
            }
            if (i == planned.Count)
            {
                throw new InvalidDataException("a response nobody asked for");
            }
            if (response.Status != 200 || response.Body != planned[i].Body)
            {
                throw new InvalidDataException($"response {i} of {planned.Count} after a half-close: {response.Status} with {response.Body.Length} chars, expected 200 with {planned[i].Body.Length}");
            }
            Interlocked.Increment(ref _requests);
        }
    }

    private async Task PipelineAsync(Random random, CancellationToken cancellationToken)
    {
        var planned = Plan(random, random.Next(1, 20), closeLast: random.Next(4) == 0);
        using var socket = await ConnectAsync(cancellationToken);
        await SendSplitAsync(socket, [.. planned.SelectMany(p => p.Bytes)], random, cancellationToken);
        var reader = new ChaosResponseReader(socket);
        await ExpectAsync(reader, planned, cancellationToken);
        if (planned[^1].Close && await reader.DrainAsync(cancellationToken) != 0)
        {
            throw new InvalidDataException("bytes after the response to Connection: close");
        }
    }

    private async Task HalfCloseAsync(Random random, CancellationToken cancellationToken)
    {
        var planned = Plan(random, random.Next(1, 10), closeLast: false);
        using var socket = await ConnectAsync(cancellationToken);
        await SendSplitAsync(socket, [.. planned.SelectMany(p => p.Bytes)], random, cancellationToken);
        socket.Shutdown(SocketShutdown.Send); // no more requests; the answers are still wanted
        var reader = new ChaosResponseReader(socket);
        if (finEndsRequests)
        {
            await ExpectUntilClosedAsync(reader, planned, cancellationToken);
            return;
        }
        await ExpectAsync(reader, planned, cancellationToken);
        if (await reader.ReadAsync(cancellationToken) is not null)
        {
            throw new InvalidDataException("a response nobody asked for");
        }
    }

    private async Task ResetMidRequestAsync(Random random, CancellationToken cancellationToken)
    {
        var request = PlannedRequest.Random(random, close: false).Bytes;
        var socket = await ConnectAsync(cancellationToken);
        await SendSplitAsync(socket, request[..random.Next(1, request.Length)], random, cancellationToken);
        Reset(socket); // gone in the middle of its head or body
    }

    private async Task ResetMidPipelineAsync(Random random, CancellationToken cancellationToken)
    {
        var planned = Plan(random, random.Next(2, 20), closeLast: false);
        var socket = await ConnectAsync(cancellationToken);
        await SendSplitAsync(socket, [.. planned.SelectMany(p => p.Bytes)], random, cancellationToken);
        var reader = new ChaosResponseReader(socket);
        await ExpectAsync(reader, planned[..random.Next(0, planned.Count)], cancellationToken);
        Reset(socket);
    }

    private async Task SlowReaderAsync(Random random, CancellationToken cancellationToken)
    {
        var lines = random.Next(500, 3000);
        var planned = Enumerable.Range(0, random.Next(1, 4))
            .Select(_ => new PlannedRequest(System.Text.Encoding.ASCII.GetBytes($"GET /stream/{lines} HTTP/1.1\r\nHost: soak\r\n\r\n"), PlannedRequest.Lines(lines), false))
            .ToList();
        using var socket = await ConnectAsync(cancellationToken, receiveBuffer: 4096);
        await socket.SendAsync(planned.SelectMany(p => p.Bytes).ToArray(), SocketFlags.None, cancellationToken);
        var reader = new ChaosResponseReader(socket, 1024, () => random.Next(8) == 0 ? Task.Delay(1, cancellationToken) : Task.CompletedTask);
        await ExpectAsync(reader, planned, cancellationToken);
    }

    private async Task NeverReadsAsync(Random random, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(cancellationToken, receiveBuffer: 4096);
        await socket.SendAsync(System.Text.Encoding.ASCII.GetBytes("GET /stream/1000000 HTTP/1.1\r\nHost: soak\r\n\r\n"), SocketFlags.None, cancellationToken);
        await Task.Delay(random.Next(100, 1500), cancellationToken); // the server fills the socket and waits
    } // closing with unread data resets the connection

    private async Task GarbageAsync(Random random, CancellationToken cancellationToken)
    {
        var garbage = new byte[random.Next(1, 600)];
        random.NextBytes(garbage);
        if (random.Next(2) == 0)
        {
            var start = "GET / HTTP/1.1\r\n"u8;
            start[..Math.Min(start.Length, garbage.Length)].CopyTo(garbage);
        }
        garbage[^1] = (byte)'\n';
        using var socket = await ConnectAsync(cancellationToken);
        await socket.SendAsync(garbage.Concat("\r\n\r\n"u8.ToArray()).ToArray(), SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        var reader = new ChaosResponseReader(socket);
        try
        {
            var response = await reader.ReadAsync(cancellationToken);
            if (response is not null && response.Status < 400 && response.Status != 200)
            {
                throw new InvalidDataException($"garbage answered {response.Status}");
            }
            await reader.DrainAsync(cancellationToken);
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            // the server closed with garbage unread: a reset is a fine end
        }
    }
}
