using System.Collections.Concurrent;

namespace Micro.Tests.Hosting;

/// <summary>
/// Clients that keep a server busy while its process is replaced, and check every answer: HttpClient workers (keep-alive
/// GETs, POSTs with bodies of up to 192 KiB echoed back, slow requests in flight), raw workers that pipeline GETs in
/// batches of 16, and raw workers that open a connection for each request. Each answer names the process that served it. A failure is any request that does not end in its
/// correct answer, after what a client may do on its own by the RFC: HttpClient's retry of a request that met a reused
/// connection closing, and the retry of pipelined requests left unanswered when the server ended the connection
/// (RFC 9112 section 9.3.2). A new connection that is refused, reset or closed before its first answer is a failure.
/// </summary>
internal sealed class HandoverLoad(NetworkNamespace network, IPEndPoint endPoint)
{
    private const int Pipeline = 16;
    private readonly ConcurrentDictionary<int, int> _servedBy = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly List<(int Pid, int Count, TaskCompletionSource Reached)> _waiters = [];
    private long _sequence;
    private long _answers;
    private long _retried;

    public IReadOnlyCollection<string> Failures => _failures;

    public long Answers => Interlocked.Read(ref _answers);

    /// <summary>Pipelined requests sent again because the connection ended before their answers.</summary>
    public long Retried => Interlocked.Read(ref _retried);

    public int ServedBy(int pid) => _servedBy.GetValueOrDefault(pid);

    /// <summary>Completes once the process <paramref name="pid"/> has answered <paramref name="count"/> requests.</summary>
    public Task WaitUntilServedAsync(int pid, int count, CancellationToken cancellationToken)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((pid, count, reached));
        }
        Record();
        return reached.Task.WaitAsync(cancellationToken);
    }

    public Task RunAsync(CancellationToken stop) =>
        Task.WhenAll([
            .. Enumerable.Range(0, 6).Select(_ => Task.Run(() => HttpClientWorkerAsync(stop))),
            .. Enumerable.Range(0, 2).Select(_ => Task.Run(() => PipeliningWorkerAsync(stop))),
            .. Enumerable.Range(0, 2).Select(_ => Task.Run(() => OneRequestPerConnectionWorkerAsync(stop))),
        ]);

    /// <summary>A new connection for every request (Connection: close), as curl and health checkers do: connections keep arriving at the sockets being closed.</summary>
    private async Task OneRequestPerConnectionWorkerAsync(CancellationToken stop)
    {
        var buffer = new byte[4096];
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _sequence);
            using var socket = network.CreateSocket();
            var received = new List<byte>();
            try
            {
                await socket.ConnectAsync(endPoint);
                await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /id/{n} HTTP/1.1\r\nHost: handover\r\nConnection: close\r\n\r\n"));
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                int read;
                while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
                {
                    received.AddRange(buffer.AsSpan(0, read));
                }
            }
            catch (SocketException exception)
            {
                _failures.Enqueue($"request {n} (own connection): {exception.SocketErrorCode} after {received.Count} bytes");
                continue;
            }
            var response = RawResponse.ParseAll([.. received], out _).SingleOrDefault();
            if (response is not { Status: 200 })
            {
                _failures.Enqueue($"request {n} (own connection): {(response is null ? $"no answer in {received.Count} bytes" : $"status {response.Status}")}");
                continue;
            }
            CheckIdentified(n, response.Body);
        }
    }

    private async Task HttpClientWorkerAsync(CancellationToken stop)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = network.CreateSocket();
                try
                {
                    await socket.ConnectAsync(endPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"http://{endPoint}/"), Timeout = TimeSpan.FromSeconds(30) };
        while (!stop.IsCancellationRequested)
        {
            var n = Interlocked.Increment(ref _sequence);
            try
            {
                switch (n % 8)
                {
                    case 0:
                        Check(await client.GetStringAsync("slow/20", CancellationToken.None) == "slow", n, "GET /slow/20 answered wrongly");
                        break;
                    case 1 or 2 or 3:
                        var body = Body(n);
                        using (var response = await client.PostAsync("echo", new ByteArrayContent(body), CancellationToken.None))
                        {
                            var echoed = await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
                            Check(response.StatusCode == HttpStatusCode.OK && echoed.AsSpan().SequenceEqual(body), n, $"POST /echo of {body.Length} bytes answered {(int)response.StatusCode} with {echoed.Length} bytes");
                        }
                        break;
                    default:
                        CheckIdentified(n, await client.GetStringAsync($"id/{n}", CancellationToken.None));
                        break;
                }
            }
            catch (Exception exception)
            {
                _failures.Enqueue($"request {n} (HttpClient): {exception.GetType().Name}: {exception.Message} {exception.InnerException?.Message}");
            }
        }
    }

    private async Task PipeliningWorkerAsync(CancellationToken stop)
    {
        var unanswered = new Queue<long>();
        while (!stop.IsCancellationRequested || unanswered.Count > 0)
        {
            using var socket = network.CreateSocket();
            try
            {
                await socket.ConnectAsync(endPoint);
            }
            catch (SocketException exception)
            {
                _failures.Enqueue($"pipelining client: connect failed: {exception.SocketErrorCode}");
                return;
            }
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            var answeredOnThisConnection = 0;
            // Up to 20 batches on one connection, then a new one, so connections keep arriving at both processes.
            for (var batch = 0; batch < 20 && (!stop.IsCancellationRequested || unanswered.Count > 0); batch++)
            {
                var ids = new List<long>();
                while (ids.Count < Pipeline && unanswered.Count > 0)
                {
                    ids.Add(unanswered.Dequeue());
                }
                while (ids.Count < Pipeline && !stop.IsCancellationRequested)
                {
                    ids.Add(Interlocked.Increment(ref _sequence));
                }
                var (answered, ended) = await SendBatchAsync(stream, ids);
                answeredOnThisConnection += answered;
                foreach (var id in ids.Skip(answered))
                {
                    unanswered.Enqueue(id);
                    Interlocked.Increment(ref _retried);
                }
                if (ended)
                {
                    if (answeredOnThisConnection == 0)
                    {
                        _failures.Enqueue($"pipelining client: a new connection ended before its first answer (requests {string.Join(',', ids)})");
                        unanswered.Clear();
                    }
                    break;
                }
            }
        }
    }

    /// <summary>Sends the batch, reads answers in order until all came or the server ended the connection.</summary>
    private async Task<(int Answered, bool Ended)> SendBatchAsync(NetworkStream stream, List<long> ids)
    {
        var requests = string.Concat(ids.Select(id => $"GET /id/{id} HTTP/1.1\r\nHost: handover\r\n\r\n"));
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(requests));
        }
        catch (IOException)
        {
            return (0, true); // the server ended the connection between batches
        }
        var received = new List<byte>();
        var buffer = new byte[64 * 1024];
        var answered = 0;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (answered < ids.Count)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
            {
                return (answered, true);
            }
            received.AddRange(buffer.AsSpan(0, read));
            var responses = RawResponse.ParseAll([.. received], out var consumed);
            received.RemoveRange(0, consumed);
            foreach (var response in responses)
            {
                var id = ids[answered++];
                if (response.Status != 200)
                {
                    _failures.Enqueue($"request {id} (pipelined): status {response.Status}");
                }
                else
                {
                    CheckIdentified(id, response.Body);
                }
                if (response.Headers.TryGetValue("Connection", out var connection) && connection == "close")
                {
                    return (answered, true);
                }
            }
        }
        return (answered, false);
    }

    private static byte[] Body(long n)
    {
        var body = new byte[(int)(n * 7919 % (192 * 1024))];
        for (var i = 0; i < body.Length; i++)
        {
            body[i] = (byte)(n + i);
        }
        return body;
    }

    private void CheckIdentified(long n, string body)
    {
        var parts = body.Split(' ');
        if (parts.Length != 2 || parts[0] != n.ToString() || !int.TryParse(parts[1], out var pid))
        {
            _failures.Enqueue($"request {n}: answered '{body}'");
            return;
        }
        _servedBy.AddOrUpdate(pid, 1, (_, count) => count + 1);
        Interlocked.Increment(ref _answers);
        Record();
    }

    private void Check(bool correct, long n, string failure)
    {
        if (!correct)
        {
            _failures.Enqueue($"request {n}: {failure}");
            return;
        }
        Interlocked.Increment(ref _answers);
        Record();
    }

    /// <summary>Completes the waits that have been reached.</summary>
    private void Record()
    {
        lock (_waiters)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (ServedBy(_waiters[i].Pid) >= _waiters[i].Count)
                {
                    _waiters[i].Reached.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
