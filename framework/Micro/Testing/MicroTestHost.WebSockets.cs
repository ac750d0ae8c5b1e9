using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;

namespace Micro.Testing;

/// <summary>WebSocket clients for the in-memory host: the handshake over an in-memory connection, then .NET's own client.</summary>
public sealed partial class MicroTestHost
{
    /// <summary>The most a handshake answer's head may be, read before the frames start.</summary>
    private const int MaxHandshakeHead = 16 * 1024;

    /// <summary>
    /// Opens a WebSocket to <paramref name="path"/> in memory, as a <c>ClientWebSocket</c> would over the network:
    /// <code>
    /// using var socket = await host.ConnectWebSocketAsync("/chat");
    /// await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, default);
    /// var received = await socket.ReceiveAsync(buffer, default);
    /// </code>
    /// <paramref name="headers"/> go with the handshake (Authorization, Cookie, Origin); <paramref name="subProtocols"/>
    /// are offered in order. A refused handshake throws a <see cref="WebSocketException"/> naming the status the
    /// server answered, as ClientWebSocket does. The socket is .NET's own (WebSocket.CreateFromStream).
    /// </summary>
    public async Task<WebSocket> ConnectWebSocketAsync(string path, IReadOnlyDictionary<string, string>? headers = null,
        IReadOnlyList<string>? subProtocols = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var stream = Connect();
        try
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = new StringBuilder()
                .Append("GET ").Append(path).Append(" HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
                .Append("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ").Append(key).Append("\r\n");
            if (subProtocols is { Count: > 0 })
            {
                request.Append("Sec-WebSocket-Protocol: ").AppendJoin(", ", subProtocols).Append("\r\n");
            }
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Append(name).Append(": ").Append(value).Append("\r\n");
            }
            await stream.WriteAsync(Encoding.Latin1.GetBytes(request.Append("\r\n").ToString()), cancellationToken).ConfigureAwait(false);

            var head = await ReadHeadAsync(stream, cancellationToken).ConfigureAwait(false);
            var lines = head.Split("\r\n");
            var status = lines[0].Split(' ') is [_, var code, ..] && int.TryParse(code, out var number) ? number : 0;
            if (status != 101)
            {
                throw new WebSocketException(WebSocketError.NotAWebSocket, $"The server returned status code '{status}' when status code '101' was expected.");
            }
            var answers = lines.Skip(1).Select(line => line.Split(':', 2)).Where(parts => parts.Length == 2)
                .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
            var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
            if (!answers.TryGetValue("Sec-WebSocket-Accept", out var accept) || accept != expected)
            {
                throw new WebSocketException(WebSocketError.HeaderError, "The server's Sec-WebSocket-Accept does not answer the key sent.");
            }
            answers.TryGetValue("Sec-WebSocket-Protocol", out var chosen);
            return WebSocket.CreateFromStream(stream, new WebSocketCreationOptions { IsServer = false, SubProtocol = chosen });
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The handshake answer's head, read a byte at a time so not one byte of the frames after it is taken.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 4 || head[^4] != '\r' || head[^3] != '\n' || head[^2] != '\r' || head[^1] != '\n')
        {
            if (head.Count >= MaxHandshakeHead)
            {
                throw new WebSocketException(WebSocketError.HeaderError, $"The handshake answer's head is longer than {MaxHandshakeHead} bytes.");
            }
            if (await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "The server closed the connection during the handshake.");
            }
            head.Add(one[0]);
        }
        return Encoding.Latin1.GetString([.. head]);
    }
}
