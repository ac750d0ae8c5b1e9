using System.Net.Sockets;
using System.Text;

namespace Micro.Soak;

/// <summary>Reads HTTP/1.1 responses (Content-Length or chunked) off a socket, in as many reads as they come in.</summary>
internal sealed class ChaosResponseReader(Socket socket, int readSize = 64 * 1024)
{
    private readonly byte[] _buffer = new byte[readSize];
    private readonly List<byte> _pending = [];
    private readonly Func<Task>? _betweenReads;

    public ChaosResponseReader(Socket socket, int readSize, Func<Task> betweenReads) : this(socket, readSize) => _betweenReads = betweenReads;

    public sealed record Response(int Status, string Body, bool Close);

    /// <summary>The next response; null when the server closed before one began.</summary>
    public async Task<Response?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryParse(out var response))
            {
                return response;
            }
            if (_betweenReads is not null)
            {
                await _betweenReads();
            }
            var read = await socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                if (_pending.Count > 0)
                {
                    throw new InvalidDataException($"the connection closed inside a response ({_pending.Count} bytes of it)");
                }
                return null;
            }
            _pending.AddRange(_buffer.AsSpan(0, read));
        }
    }

    /// <summary>Reads until the server closes; returns how many bytes came.</summary>
    public async Task<int> DrainAsync(CancellationToken cancellationToken)
    {
        var total = _pending.Count;
        _pending.Clear();
        int read;
        while ((read = await socket.ReceiveAsync(_buffer, SocketFlags.None, cancellationToken)) > 0)
        {
            total += read;
        }
        return total;
    }

    private bool TryParse(out Response? response)
    {
        response = null;
        var bytes = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_pending);
        var end = bytes.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return false;
        }
        var lines = Encoding.Latin1.GetString(bytes[..end]).Split("\r\n");
        var status = int.Parse(lines[0].AsSpan(9, 3));
        var length = -1;
        var chunked = false;
        var close = false;
        var gzip = false;
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                length = int.Parse(value);
            }
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                chunked = true;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
            {
                close = value.Equals("close", StringComparison.OrdinalIgnoreCase);
            }
            else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                gzip = value.Equals("gzip", StringComparison.OrdinalIgnoreCase);
            }
        }
        var position = end + 4;
        var body = new List<byte>();
        if (chunked)
        {
            while (true)
            {
                var lineEnd = bytes[position..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return false;
                }

                var size = Convert.ToInt32(Encoding.ASCII.GetString(bytes.Slice(position, lineEnd)), 16);
                position += lineEnd + 2;
                if (bytes.Length < position + size + 2)
                {
                    return false;
                }

                body.AddRange(bytes.Slice(position, size));
                position += size + 2;
                if (size == 0)
                {
                    break;
                }
            }
        }
        else
        {
            length = Math.Max(length, 0);
            if (bytes.Length < position + length)
            {
                return false;
            }

            body.AddRange(bytes.Slice(position, length));
            position += length;
        }
        _pending.RemoveRange(0, position);
        response = new Response(status, Encoding.UTF8.GetString(gzip ? Gunzip([.. body]) : [.. body]), close);
        return true;
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var decoded = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        var plain = new MemoryStream();
        decoded.CopyTo(plain);
        return plain.ToArray();
    }
}
