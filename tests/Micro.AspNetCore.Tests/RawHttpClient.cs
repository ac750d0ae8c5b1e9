using System.Net.Sockets;

namespace Micro.AspNetCore.Tests;

/// <summary>A client on a plain socket, for what HttpClient will not do: pipelining, half a request, leaving mid-response.</summary>
internal sealed class RawHttpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawHttpClient> ConnectAsync(Uri url)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync("127.0.0.1", url.Port);
        return new RawHttpClient(socket);
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Shuts the client's sending side (FIN), as a client that closed its socket with nothing left to read.</summary>
    public void ShutdownSending() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Closes the connection abruptly (RST), as a client that went away.</summary>
    public void Reset()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>The status line of the last response read, as sent.</summary>
    public string? LastStatusLine { get; private set; }

    /// <summary>The header lines of the last response read, as sent and in order (a name repeated is on each of its lines).</summary>
    public List<string> LastHeaderLines { get; } = [];

    /// <summary>
    /// Reads one response: status, headers (names lower-cased) and body (Content-Length, chunked, or to the close);
    /// <paramref name="headOnly"/> for a response that has no body whatever its headers say (HEAD's, 304).
    /// </summary>
    public async Task<(int Status, Dictionary<string, string> Headers, string Body)> ReadResponseAsync(bool toClose = false, bool headOnly = false)
    {
        var statusLine = LastStatusLine = await ReadLineAsync() ?? throw new IOException("The connection closed before a response.");
        var status = int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>();
        LastHeaderLines.Clear();
        string? line;
        while (!string.IsNullOrEmpty(line = await ReadLineAsync()))
        {
            LastHeaderLines.Add(line);
            var colon = line.IndexOf(':');
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }
        var body = new StringBuilder();
        if (headOnly)
        {
        }
        else if (headers.TryGetValue("content-length", out var length))
        {
            body.Append(Encoding.ASCII.GetString(await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture))));
        }
        else if (headers.TryGetValue("transfer-encoding", out var coding) && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var size = Convert.ToInt32((await ReadLineAsync())!.Split(';')[0], 16);
                if (size == 0)
                {
                    while (!string.IsNullOrEmpty(await ReadLineAsync()))
                    {
                    }
                    break;
                }
                body.Append(Encoding.ASCII.GetString(await ReadExactlyAsync(size)));
                await ReadLineAsync();
            }
        }
        else if (toClose)
        {
            while (await FillAsync())
            {
            }
            body.Append(Encoding.ASCII.GetString(_buffer, _start, _end - _start));
            _start = _end;
        }
        return (status, headers, body.ToString());
    }

    /// <summary>Reads one chunk of a chunked body (its data), after the head was read with <see cref="ReadHeadAsync"/>.</summary>
    public async Task<string> ReadChunkAsync()
    {
        var size = Convert.ToInt32((await ReadLineAsync())!.Split(';')[0], 16);
        var data = Encoding.ASCII.GetString(await ReadExactlyAsync(size));
        await ReadLineAsync();
        return data;
    }

    /// <summary>Reads a response's status line and headers only.</summary>
    public async Task<int> ReadHeadAsync()
    {
        var statusLine = await ReadLineAsync() ?? throw new IOException("The connection closed before a response.");
        while (!string.IsNullOrEmpty(await ReadLineAsync()))
        {
        }
        return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>True once the server has closed the connection (reads end), after whatever it sent.</summary>
    public async Task<bool> IsClosedByServerAsync()
    {
        try
        {
            while (await FillAsync())
            {
                _start = _end;
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private async Task<string?> ReadLineAsync()
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }
            if (!await FillAsync())
            {
                return null;
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end && !await FillAsync())
            {
                throw new IOException($"The connection closed after {copied} of {count} body bytes.");
            }
            var take = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }
        return result;
    }

    private async Task<bool> FillAsync()
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
        _end += read;
        return read > 0;
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
