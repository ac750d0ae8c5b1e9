using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Micro.Tests.WebSockets;

/// <summary>
/// A WebSocket client that writes exactly the frames a test asks for, broken ones included (unmasked, reserved bits,
/// bad opcodes, cut UTF-8), over a real socket, and reads back the server's frames as they are.
/// </summary>
internal sealed class RawWebSocket : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly List<byte> _received = [];
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The socket (a test that changes its buffers).</summary>
    public Socket Socket => _socket;

    private RawWebSocket(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public sealed record Frame(bool Fin, int Opcode, byte[] Payload, int Reserved = 0)
    {
        public string Text => Encoding.UTF8.GetString(Payload);

        public int CloseCode => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
    }

    /// <summary>Connects and sends the handshake (plus <paramref name="extraHeaders"/>); returns the client and the server's response head.</summary>
    /// <param name="receiveBuffer">The socket's receive buffer, when a test needs a client whose kernel takes little before it stops reading.</param>
    public static async Task<(RawWebSocket Client, string ResponseHead)> ConnectAsync(IPEndPoint server, string path, string extraHeaders = "", string? before = null, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        await socket.ConnectAsync(server);
        var client = new RawWebSocket(socket);
        await client.SendRawAsync(Encoding.ASCII.GetBytes((before ?? "") + Handshake(path, extraHeaders)));
        return (client, await client.ReadHeadAsync());
    }

    public static string Key { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    public static string Handshake(string path, string extraHeaders = "") =>
        $"GET {path} HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {Key}\r\nSec-WebSocket-Version: 13\r\n{extraHeaders}\r\n";

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads one HTTP response head (through the blank line), leaving what follows for frames.</summary>
    public async Task<string> ReadHeadAsync()
    {
        while (true)
        {
            var text = Encoding.Latin1.GetString([.. _received]);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0)
            {
                _received.RemoveRange(0, end + 4);
                return text[..(end + 4)];
            }
            await FillAsync();
        }
    }

    /// <summary>An HTTP response with a Content-Length body, head and body together.</summary>
    public async Task<string> ReadResponseAsync()
    {
        var head = await ReadHeadAsync();
        var match = System.Text.RegularExpressions.Regex.Match(head, @"Content-Length: (\d+)", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var length = match.Success ? int.Parse(match.Groups[1].Value) : 0;
        while (_received.Count < length)
        {
            await FillAsync();
        }
        var body = Encoding.UTF8.GetString(_received.GetRange(0, length).ToArray());
        _received.RemoveRange(0, length);
        return head + body;
    }

    public static byte[] Encode(int opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = true, int reserved = 0, long? declaredLength = null)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (reserved << 4) | opcode) };
        var length = (ulong)(declaredLength ?? payload.Length); // a negative declared length is a 64-bit one with its top bit set
        var maskBit = masked ? 0x80 : 0;
        if (length <= 125)
        {
            frame.Add((byte)(maskBit | (int)length));
        }
        else if (length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(length >> 8));
            frame.Add((byte)length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            for (var shift = 56; shift >= 0; shift -= 8)
            {
                frame.Add((byte)(length >> shift));
            }
        }
        var mask = masked ? RandomNumberGenerator.GetBytes(4) : [];
        frame.AddRange(mask);
        for (var i = 0; i < payload.Length; i++)
        {
            frame.Add(masked ? (byte)(payload[i] ^ mask[i & 3]) : payload[i]);
        }
        return [.. frame];
    }

    public Task SendFrameAsync(int opcode, byte[] payload, bool fin = true, bool masked = true, int reserved = 0) =>
        SendRawAsync(Encode(opcode, payload, fin, masked, reserved));

    public Task SendTextAsync(string text) => SendFrameAsync(1, Encoding.UTF8.GetBytes(text));

    public static byte[] ClosePayload(int code, string reason = "")
    {
        var payload = new byte[2 + Encoding.UTF8.GetByteCount(reason)];
        BinaryPrimitives.WriteUInt16BigEndian(payload, (ushort)code);
        Encoding.UTF8.GetBytes(reason, payload.AsSpan(2));
        return payload;
    }

    /// <summary>The server's next frame (server frames are never masked), or null when the connection ended.</summary>
    public async Task<Frame?> ReadFrameAsync()
    {
        while (true)
        {
            if (_received.Count >= 2)
            {
                var first = _received[0];
                var second = _received[1];
                if ((second & 0x80) != 0)
                {
                    throw new InvalidDataException("the server masked a frame");
                }
                var lengthBytes = (second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 };
                if (_received.Count >= 2 + lengthBytes)
                {
                    long length = second & 0x7F;
                    if (lengthBytes > 0)
                    {
                        length = 0;
                        for (var i = 0; i < lengthBytes; i++)
                        {
                            length = (length << 8) | _received[2 + i];
                        }
                    }
                    var total = 2 + lengthBytes + (int)length;
                    if (_received.Count >= total)
                    {
                        var payload = _received.GetRange(2 + lengthBytes, (int)length).ToArray();
                        _received.RemoveRange(0, total);
                        return new Frame((first & 0x80) != 0, first & 0x0F, payload, (first >> 4) & 7);
                    }
                }
            }
            if (!await FillAsync(throwAtEnd: false))
            {
                return null;
            }
        }
    }

    /// <summary>Frames until the server's Close frame (returned), skipping pings; fails if the connection ends first.</summary>
    public async Task<Frame> ReadCloseAsync()
    {
        while (await ReadFrameAsync() is { } frame)
        {
            if (frame.Opcode == 8)
            {
                return frame;
            }
        }
        throw new IOException("the connection ended without a Close frame");
    }

    /// <summary>True once the server has closed the connection (end of stream or reset), after any frames still coming.</summary>
    public async Task<bool> EndsAsync()
    {
        while (await ReadFrameAsync() is not null)
        {
        }
        return true;
    }

    private async Task<bool> FillAsync(bool throwAtEnd = true)
    {
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(ReadTimeout);
        int read;
        try
        {
            read = await _stream.ReadAsync(buffer, timeout.Token);
        }
        catch (IOException) when (!throwAtEnd)
        {
            return false;
        }
        if (read == 0)
        {
            return throwAtEnd ? throw new IOException("the server closed the connection") : false;
        }
        _received.AddRange(buffer.AsSpan(0, read));
        return true;
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>The client's own address: the server's socket for it is found by this port.</summary>
    public IPEndPoint LocalEndPoint => (IPEndPoint)_socket.LocalEndPoint!;

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
