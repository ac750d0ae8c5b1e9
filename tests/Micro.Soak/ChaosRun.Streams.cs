using System.Buffers.Binary;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Micro.Soak;

/// <summary>The soak's scenarios for issue 20: honest slow readers and WebSocket frames that declare what they never send.</summary>
internal sealed partial class ChaosRun
{
    /// <summary>
    /// Reads a streamed response of a few hundred KiB at 50-100 KiB/s through a small receive window, so the server's
    /// writes block all along: the minimum data rate must keep it (it cut such readers off after about 5 s).
    /// </summary>
    private async Task HonestSlowReaderAsync(Random random, CancellationToken cancellationToken)
    {
        var lines = random.Next(20_000, 40_000); // about 10 bytes each
        var planned = new List<PlannedRequest> { new(Encoding.ASCII.GetBytes($"GET /stream/{lines} HTTP/1.1\r\nHost: soak\r\n\r\n"), PlannedRequest.Lines(lines), false) };
        using var socket = await ConnectAsync(cancellationToken, receiveBuffer: 4096);
        await socket.SendAsync(planned[0].Bytes, SocketFlags.None, cancellationToken);
        var perTenth = random.Next(5, 10) * 1024; // 50-100 KiB/s
        var readThisTenth = 0;
        var reader = new ChaosResponseReader(socket, 1024, async () =>
        {
            readThisTenth += 1024;
            if (readThisTenth >= perTenth)
            {
                readThisTenth = 0;
                await Task.Delay(100, cancellationToken); // the reader's pace: what is under test
            }
        });
        await ExpectAsync(reader, planned, cancellationToken);
    }

    /// <summary>
    /// A WebSocket whose frame header declares up to a megabyte, then sends a little and waits: the server must hold
    /// only what came (it rented the whole declared length). Then the client either vanishes or sends the rest and
    /// checks the echo.
    /// </summary>
    private async Task LargeDeclaredFrameAsync(Random random, CancellationToken cancellationToken)
    {
        using var socket = await ConnectAsync(cancellationToken);
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /ws HTTP/1.1\r\nHost: soak\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"), SocketFlags.None, cancellationToken);
        var received = new List<byte>();
        var head = await ReceiveUntilAsync(socket, received, bytes => bytes.IndexOf("\r\n\r\n"u8) is var end and >= 0 ? end + 4 : -1, cancellationToken);
        if (!Encoding.ASCII.GetString([.. received.GetRange(0, head)]).StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"the WebSocket handshake was answered {Encoding.ASCII.GetString([.. received.GetRange(0, Math.Min(head, 40))])}");
        }
        received.RemoveRange(0, head);
        var payload = RandomNumberGenerator.GetBytes(random.Next(64 * 1024, 1024 * 1024));
        var mask = RandomNumberGenerator.GetBytes(4);
        var frame = new byte[14 + payload.Length];
        frame[0] = 0x82; // a whole binary message
        frame[1] = 0x80 | 127;
        BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)payload.Length);
        mask.CopyTo(frame, 10);
        for (var i = 0; i < payload.Length; i++)
        {
            frame[14 + i] = (byte)(payload[i] ^ mask[i & 3]);
        }
        var first = 14 + random.Next(1, 100);
        await socket.SendAsync(frame.AsMemory(0, first), SocketFlags.None, cancellationToken);
        await Task.Delay(random.Next(100, 1500), cancellationToken); // idling with the megabyte promised
        if (random.Next(2) == 0)
        {
            Reset(socket); // gone mid-frame: the server must give back what it held
            return;
        }
        await socket.SendAsync(frame.AsMemory(first), SocketFlags.None, cancellationToken);
        var length = payload.Length;
        var echoEnd = await ReceiveUntilAsync(socket, received, bytes => bytes.Length >= 10 + length ? 10 + length : -1, cancellationToken);
        var echo = received.GetRange(0, echoEnd).ToArray();
        if (echo[0] != 0x82 || (echo[1] & 0x7F) != 127 || (long)BinaryPrimitives.ReadUInt64BigEndian(echo.AsSpan(2)) != length || !echo.AsSpan(10).SequenceEqual(payload))
        {
            throw new InvalidDataException($"the echo of a {length}-byte message came back wrong");
        }
        Interlocked.Increment(ref _requests);
        Reset(socket);
    }

    /// <summary>Receives until <paramref name="complete"/> finds the end of what is awaited (its length), or throws when the server closes first.</summary>
    private static async Task<int> ReceiveUntilAsync(Socket socket, List<byte> received, Func<ReadOnlySpan<byte>, int> complete, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var end = complete(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(received));
            if (end >= 0)
            {
                return end;
            }
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new InvalidDataException($"the server closed the WebSocket after {received.Count} bytes");
            }
            received.AddRange(buffer.AsSpan(0, read));
        }
    }
}
