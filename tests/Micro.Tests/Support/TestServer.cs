using Micro.Http;

namespace Micro.Tests;

/// <summary>A Micro server on 127.0.0.1 port 0 for one test, stopped when disposed.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly MicroServer _server;

    public TestServer(HttpHandler handler, Action<MicroServerOptions>? configure = null)
    {
        Options = new MicroServerOptions { ReactorCount = 2, ShutdownTimeout = TimeSpan.FromSeconds(10) };
        Options.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0));
        configure?.Invoke(Options);
        var factory = new Microsoft.Extensions.Logging.LoggerFactory();
        factory.AddProvider(Log);
        _server = new MicroServer(Options, handler, factory);
        _server.Start();
    }

    public MicroServerOptions Options { get; }

    public RecordingLoggerProvider Log { get; } = new();

    /// <summary>Errors the server logged (handler exceptions, reactor failures).</summary>
    public string[] Errors => [.. Log.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error).Select(e => $"{e.Message} {e.Exception}")];

    public MicroServer Server => _server;

    public IPEndPoint EndPoint => _server.EndPoints[0];

    public Uri Url => new($"http://{EndPoint}/");

    public async Task<RawClient> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(EndPoint);
        return new RawClient(socket);
    }

    /// <summary>Sends <paramref name="request"/> on a new connection and reads until the server closes it.</summary>
    public async Task<string> SendAndReadToEndAsync(string request)
    {
        await using var client = await ConnectAsync();
        await client.SendAsync(request);
        return await client.ReadToEndAsync();
    }

    public async ValueTask DisposeAsync() => await _server.StopAsync();
}

/// <summary>A plain TCP client that speaks bytes, so tests control exactly what goes on the wire.</summary>
internal sealed class RawClient(Stream stream, Socket? socket = null) : IAsyncDisposable
{
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);
    private readonly List<byte> _received = [];

    /// <summary>Over a socket (the engine's tests).</summary>
    public RawClient(Socket socket) : this(new NetworkStream(socket, ownsSocket: true), socket)
    {
    }

    /// <summary>The socket, for tests that shut down or reset it; only for a socket client.</summary>
    public Socket Socket => socket ?? throw new InvalidOperationException("This client is not on a socket.");

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await stream.WriteAsync(bytes);

    /// <summary>Reads until the server closes; fails the test if that takes longer than the read timeout.</summary>
    public async Task<string> ReadToEndAsync()
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var buffer = new byte[65536];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, timeout.Token);
            }
            catch (IOException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
            {
                break;
            }
            if (read == 0)
            {
                break;
            }
            _received.AddRange(buffer.AsSpan(0, read));
        }
        return Encoding.Latin1.GetString([.. _received]);
    }

    /// <summary>Reads until <paramref name="count"/> complete responses (framed by Content-Length or chunked) have arrived.</summary>
    public async Task<List<RawResponse>> ReadResponsesAsync(int count)
    {
        using var timeout = new CancellationTokenSource(ReadTimeout);
        var responses = new List<RawResponse>();
        var buffer = new byte[256 * 1024];
        var pending = _received.ToArray();
        var start = 0;
        var end = pending.Length;
        while (true)
        {
            responses.AddRange(RawResponse.ParseAll(pending.AsSpan(start, end - start).ToArray(), out var consumed));
            start += consumed;
            if (responses.Count >= count)
            {
                _received.Clear();
                _received.AddRange(pending.AsSpan(start, end - start));
                return responses;
            }
            var read = await stream.ReadAsync(buffer, timeout.Token);
            if (read == 0)
            {
                throw new IOException($"the server closed the connection after {responses.Count} of {count} responses");
            }
            // Keep only the unparsed tail plus what arrived, so each byte is parsed about once.
            var next = new byte[end - start + read];
            pending.AsSpan(start, end - start).CopyTo(next);
            buffer.AsSpan(0, read).CopyTo(next.AsSpan(end - start));
            pending = next;
            start = 0;
            end = next.Length;
        }
    }

    /// <summary>A socket is closed as it is (a linger of 0 resets it); NetworkStream would shut it down first, sending a FIN.</summary>
    public ValueTask DisposeAsync()
    {
        if (socket is not null)
        {
            socket.Dispose();
            return default;
        }
        return stream.DisposeAsync();
    }
}

/// <summary>One HTTP/1.1 response as received, Content-Length or chunked framed.</summary>
internal sealed record RawResponse(int Status, Dictionary<string, string> Headers, string Body)
{
    public static List<RawResponse> ParseAll(byte[] bytes, out int consumed)
    {
        var list = new List<RawResponse>();
        consumed = 0;
        while (TryParse(bytes.AsSpan(consumed), out var response, out var length))
        {
            list.Add(response!);
            consumed += length;
        }
        return list;
    }

    private static bool TryParse(ReadOnlySpan<byte> bytes, out RawResponse? response, out int length)
    {
        response = null;
        length = 0;
        var end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }
        var lines = Encoding.Latin1.GetString(bytes[..end]).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1]);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        var bodyStart = end + 4;
        if (status is 100)
        {
            response = new RawResponse(status, headers, "");
            length = bodyStart;
            return true;
        }
        if (headers.TryGetValue("Transfer-Encoding", out var te) && te == "chunked")
        {
            var body = new StringBuilder();
            var pos = bodyStart;
            while (true)
            {
                var lineEnd = bytes[pos..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                var size = Convert.ToInt32(Encoding.Latin1.GetString(bytes.Slice(pos, lineEnd)), 16);
                pos += lineEnd + 2;
                if (bytes.Length < pos + size + 2)
                {
                    return false;
                }

                body.Append(Encoding.Latin1.GetString(bytes.Slice(pos, size)));
                pos += size + 2;
                if (size == 0)
                {
                    break;
                }
            }
            response = new RawResponse(status, headers, body.ToString());
            length = pos;
            return true;
        }
        var contentLength = headers.TryGetValue("Content-Length", out var cl) ? int.Parse(cl) : 0;
        if (bytes.Length < bodyStart + contentLength)
        {
            return false;
        }
        response = new RawResponse(status, headers, Encoding.Latin1.GetString(bytes.Slice(bodyStart, contentLength)));
        length = bodyStart + contentLength;
        return true;
    }
}
