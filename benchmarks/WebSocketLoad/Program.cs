// The load for benchmarks/load/websockets.sh, against any server with the same endpoints (Micro's and Kestrel's
// benchmark apps): raw sockets, one handshake each, frames encoded once and reused.
//   echo    HOST:PORT CONNECTIONS SIZE SECONDS PID   messages echoed per second on /ws, each connection one message in
//                                                     flight, and the server's CPU time per message (from /proc)
//   idle    HOST:PORT COUNT PID                       the server's RSS and managed heap per idle WebSocket, both read after
//                                                     a full collection the server makes when asked for /memory: over
//                                                     COUNT connections, and per connection of COUNT/2 more (marginal)
//   publish HOST:PORT COUNT ROUNDS SIZE               time from POST /publish until the last of COUNT subscribers has it
//   spread  HOST:PORT[,HOST:PORT...] COUNT ROUNDS SIZE PID[,PID...]
//                                                     COUNT subscribers spread evenly over the servers, a publish to
//                                                     the first: each delivery's latency (p50, p99 over all rounds),
//                                                     the time until the last has it, and the CPU time of the PIDs
//                                                     (servers, and Redis) per delivered message
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

var mode = args[0];
var server = IPEndPoint.Parse(args[1].Split(',')[0]); // spread takes several: the first is where it publishes
switch (mode)
{
    case "echo":
        await Echo(int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), int.Parse(args[5]));
        break;
    case "idle":
        await Idle(int.Parse(args[2]), int.Parse(args[3]));
        break;
    case "publish":
        await Publish(int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]));
        break;
    case "spread":
        await Spread([.. args[1].Split(',').Select(IPEndPoint.Parse)], int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), [.. args[5].Split(',').Select(int.Parse)]);
        break;
    default:
        throw new ArgumentException($"unknown mode {mode}: echo, idle, publish or spread");
}

async Task Echo(int connections, int size, int seconds, int pid)
{
    var sockets = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Open("/ws")));
    var frame = Frame(new byte[size]);
    var expected = (size <= 125 ? 2 : size <= 65535 ? 4 : 10) + size;
    long count = 0;
    var running = true;
    var loops = sockets.Select(socket => Task.Run(async () =>
    {
        var buffer = new byte[expected];
        while (Volatile.Read(ref running))
        {
            await socket.SendAsync(frame, SocketFlags.None);
            for (var received = 0; received < expected;)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
                if (read == 0)
                {
                    throw new IOException("the server closed a connection");
                }
                received += read;
            }
            Interlocked.Increment(ref count);
        }
    })).ToArray();
    await Task.Delay(2000); // warm-up
    var (c0, t0, s0) = (Interlocked.Read(ref count), Ticks(pid), Stopwatch.GetTimestamp());
    await Task.Delay(seconds * 1000);
    var (c1, t1, s1) = (Interlocked.Read(ref count), Ticks(pid), Stopwatch.GetTimestamp());
    Volatile.Write(ref running, false);
    await Task.WhenAll(loops);
    var messages = c1 - c0;
    var elapsed = Stopwatch.GetElapsedTime(s0, s1).TotalSeconds;
    Console.WriteLine($"connections={connections} size={size} messages_per_second={messages / elapsed:F0} server_cpu_us_per_message={(t1 - t0) * 1e6 / TicksPerSecond / messages:F3}");
}

async Task Idle(int count, int pid)
{
    await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Open("/ws"))); // warm-up: JIT, pools
    var (heap0, rss0) = (await ManagedHeap(), Rss(pid));
    var sockets = new List<Socket>(count + count / 2);
    await OpenIdle(sockets, count);
    var (heap1, rss1) = (await ManagedHeap(), Rss(pid));
    // Then half as many again: what each one more costs, once the first batch has paid the costs that come once
    // (code compiled on the way, the collector's tables and budgets).
    await OpenIdle(sockets, count / 2);
    var (heap2, rss2) = (await ManagedHeap(), Rss(pid));
    var heap = heap0 is null || heap1 is null || heap2 is null ? ""
        : $" managed_heap_bytes_per_connection={(heap1 - heap0) / (double)count:F0} marginal_managed_heap_bytes={(heap2 - heap1) / (double)(count / 2):F0}";
    Console.WriteLine($"websockets={count} rss_before_kib={rss0} rss_after_kib={rss1} bytes_per_connection={(rss1 - rss0) * 1024.0 / count:F0} " +
        $"marginal_bytes_per_connection={(rss2 - rss1) * 1024.0 / (count / 2):F0}{heap}");
    GC.KeepAlive(sockets);
}

async Task OpenIdle(List<Socket> sockets, int count)
{
    for (var i = 0; i < count; i += 100)
    {
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - i)).Select(_ => Open("/ws"))));
    }
    await Task.Delay(2000); // let the server settle: a measurement, not a test
}

async Task Publish(int count, int rounds, int size)
{
    var sockets = new List<Socket>(count);
    for (var i = 0; i < count; i += 100)
    {
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(0, Math.Min(100, count - i)).Select(_ => Open("/sub", "subscribed"))));
    }
    using var client = new HttpClient { BaseAddress = new Uri($"http://{server}") };
    var expected = (size <= 125 ? 2 : size <= 65535 ? 4 : 10) + size;
    var times = new List<double>();
    for (var round = 0; round < rounds + 1; round++) // the first round warms up
    {
        var arrivals = sockets.Select(socket => ReadExactly(socket, expected)).ToArray();
        var start = Stopwatch.GetTimestamp();
        var answer = await (await client.PostAsync("/publish", new ByteArrayContent(new byte[size]))).Content.ReadAsStringAsync();
        await Task.WhenAll(arrivals);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (answer != count.ToString())
        {
            throw new InvalidDataException($"the server says it published to {answer}, not {count}");
        }
        if (round > 0)
        {
            times.Add(elapsed);
        }
    }
    times.Sort();
    Console.WriteLine($"subscribers={count} size={size} rounds={rounds} median_ms_until_last={times[times.Count / 2]:F1} min_ms={times[0]:F1} max_ms={times[^1]:F1}");
    GC.KeepAlive(sockets);
}

async Task<Socket> Open(string path, string? greeting = null, IPEndPoint? at = null)
{
    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    await socket.ConnectAsync(at ?? server);
    await socket.SendAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"), SocketFlags.None);
    var head = new List<byte>();
    var one = new byte[1];
    while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
    {
        if (await socket.ReceiveAsync(one, SocketFlags.None) == 0)
        {
            throw new IOException("the server closed the connection during the handshake");
        }
        head.Add(one[0]);
    }
    if (!Encoding.ASCII.GetString([.. head]).StartsWith("HTTP/1.1 101"))
    {
        throw new IOException($"no upgrade: {Encoding.ASCII.GetString([.. head])}");
    }
    if (greeting is not null)
    {
        await ReadExactly(socket, 2 + greeting.Length);
    }
    return socket;
}

async Task Spread(IPEndPoint[] servers, int count, int rounds, int size, int[] pids)
{
    var sockets = new List<Socket>(count);
    for (var i = 0; i < count; i += 100)
    {
        sockets.AddRange(await Task.WhenAll(Enumerable.Range(i, Math.Min(100, count - i)).Select(n => Open("/sub", "subscribed", servers[n % servers.Length]))));
    }
    using var client = new HttpClient { BaseAddress = new Uri($"http://{servers[0]}") };
    var expected = (size <= 125 ? 2 : size <= 65535 ? 4 : 10) + size;
    var latencies = new List<double>();
    var untilLast = new List<double>();
    long ticks = 0;
    for (var round = 0; round < rounds + 1; round++) // the first round warms up (and lets every instance subscribe)
    {
        var arrivals = new double[sockets.Count];
        var start = Stopwatch.GetTimestamp();
        var reads = sockets.Select(async (socket, i) =>
        {
            await ReadExactly(socket, expected);
            arrivals[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }).ToArray();
        var before = pids.Sum(Ticks);
        start = Stopwatch.GetTimestamp();
        using (await client.PostAsync("/publish", new ByteArrayContent(new byte[size])))
        {
        }
        await Task.WhenAll(reads).WaitAsync(TimeSpan.FromSeconds(60));
        if (round > 0)
        {
            ticks += pids.Sum(Ticks) - before;
            latencies.AddRange(arrivals);
            untilLast.Add(arrivals.Max());
        }
    }
    latencies.Sort();
    untilLast.Sort();
    var cpuPerDelivery = ticks / TicksPerSecond * 1e6 / ((double)count * rounds);
    Console.WriteLine($"servers={servers.Length} subscribers={count} size={size} rounds={rounds} p50_ms={latencies[latencies.Count / 2]:F1} " +
        $"p99_ms={latencies[(int)(latencies.Count * 0.99)]:F1} median_ms_until_last={untilLast[untilLast.Count / 2]:F1} cpu_us_per_delivery={cpuPerDelivery:F2}");
    GC.KeepAlive(sockets);
}

static async Task ReadExactly(Socket socket, int length)
{
    var buffer = new byte[length];
    for (var received = 0; received < length;)
    {
        var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("the server closed a connection");
        }
        received += read;
    }
}

static byte[] Frame(byte[] payload)
{
    var header = payload.Length <= 125 ? 2 : payload.Length <= 65535 ? 4 : 10;
    var frame = new byte[header + 4 + payload.Length];
    frame[0] = 0x82;
    if (header == 2)
    {
        frame[1] = (byte)(0x80 | payload.Length);
    }
    else if (header == 4)
    {
        frame[1] = 0x80 | 126;
        frame[2] = (byte)(payload.Length >> 8);
        frame[3] = (byte)payload.Length;
    }
    else
    {
        frame[1] = 0x80 | 127;
        for (var i = 0; i < 8; i++)
        {
            frame[2 + i] = (byte)((long)payload.Length >> (56 - 8 * i));
        }
    }
    byte[] mask = [0x12, 0x34, 0x56, 0x78];
    mask.CopyTo(frame, header);
    for (var i = 0; i < payload.Length; i++)
    {
        frame[header + 4 + i] = (byte)(payload[i] ^ mask[i & 3]);
    }
    return frame;
}

async Task<long?> ManagedHeap()
{
    using var client = new HttpClient();
    var response = await client.GetAsync($"http://{server}/memory");
    return response.IsSuccessStatusCode && long.TryParse(await response.Content.ReadAsStringAsync(), out var bytes) ? bytes : null;
}

static long Rss(int pid) =>
    long.Parse(File.ReadAllLines($"/proc/{pid}/status").First(line => line.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

static long Ticks(int pid)
{
    var fields = File.ReadAllText($"/proc/{pid}/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return long.Parse(fields[11]) + long.Parse(fields[12]); // utime, stime
}

internal partial class Program
{
    private const double TicksPerSecond = 100; // CLK_TCK on Linux
}
