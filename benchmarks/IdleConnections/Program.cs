// Opens N keep-alive connections to a server, makes one request on each, and keeps them all open and idle; prints
// the server's RSS (from /proc/PID/status) before and after, and the difference per connection.
// Usage: IdleConnections PORT SERVER_PID COUNT
using System.Net;
using System.Net.Sockets;
using System.Text;

var port = int.Parse(args[0]);
var pid = int.Parse(args[1]);
var count = int.Parse(args[2]);
var request = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: localhost\r\n\r\n");

// Warm the server up on a few connections first, so the figure is the cost of connections, not of JIT and pools.
await OpenAndRequest(64);
var heapBefore = await ManagedHeap();
var before = Rss(pid);
var sockets = await OpenAndRequest(count);
await Task.Delay(2000); // let the server settle before reading its RSS; this is a measurement, not a test
var after = Rss(pid);
var heapAfter = await ManagedHeap();
var heap = heapBefore is null || heapAfter is null ? "" : $" managed_heap_bytes_per_connection={(heapAfter - heapBefore) / (double)count:F0}";
Console.WriteLine($"connections={count} rss_before_kib={before} rss_after_kib={after} bytes_per_connection={(after - before) * 1024.0 / count:F0}{heap}");
foreach (var socket in sockets)
{
    socket.Dispose();
}

async Task<List<Socket>> OpenAndRequest(int n)
{
    var list = new List<Socket>(n);
    var buffer = new byte[4096];
    for (var i = 0; i < n; i++)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        await socket.SendAsync(request, SocketFlags.None);
        var received = 0;
        while (received == 0 || Encoding.ASCII.GetString(buffer, 0, received).IndexOf("Hello, World!", StringComparison.Ordinal) < 0)
        {
            received += await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None);
        }
        list.Add(socket);
    }
    return list;
}

// Servers that have a /memory endpoint (Micro's benchmark app) report their managed heap after a full GC.
async Task<long?> ManagedHeap()
{
    using var client = new HttpClient();
    var response = await client.GetAsync($"http://127.0.0.1:{port}/memory");
    return response.IsSuccessStatusCode && long.TryParse(await response.Content.ReadAsStringAsync(), out var bytes) ? bytes : null;
}

static long Rss(int pid) =>
    long.Parse(File.ReadAllLines($"/proc/{pid}/status").First(line => line.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
