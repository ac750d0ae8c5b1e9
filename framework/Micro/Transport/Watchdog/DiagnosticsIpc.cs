using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Micro.Transport.Watchdog;

/// <summary>
/// The runtime's own diagnostic server, reached from inside the process over its Unix socket (the Diagnostic IPC
/// Protocol that dotnet-trace speaks: a 20-byte header, "DOTNET_IPC_V1", size, command set and id). Only what a
/// stack sample needs: start an EventPipe session that streams nettrace on the connection, and stop it.
/// </summary>
internal static class DiagnosticsIpc
{
    private const byte EventPipeCommands = 0x02;
    private const byte StopTracing = 0x01;
    private const byte CollectTracing2 = 0x03;
    private const byte ServerCommands = 0xFF;
    private const byte Ok = 0x00;
    private const int HeaderSize = 20;

    /// <summary>An EventPipe provider to turn on: its name, keywords and level (4 informational, 5 verbose).</summary>
    public readonly record struct Provider(string Name, ulong Keywords, uint Level);

    /// <summary>
    /// The socket the runtime listens on: $TMPDIR (or /tmp)/dotnet-diagnostic-{pid}-{start time}-socket. Null when
    /// there is none (DOTNET_EnableDiagnostics=0, or a read-only temporary directory at start).
    /// </summary>
    public static string? SocketPath()
    {
        var directory = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } tmp ? tmp : "/tmp";
        return SocketPath(directory, Environment.ProcessId, ProcessStartTime());
    }

    /// <summary>
    /// This process's socket among those in <paramref name="directory"/>: a process killed without cleaning up leaves
    /// its socket behind, and a later process may get the same id, so the one whose key is this process's start time
    /// (as the runtime names it) is taken, else the newest; the first one found was a dead process's as often as not
    /// (connection refused, and no stack in the watchdog's report).
    /// </summary>
    internal static string? SocketPath(string directory, int processId, long? startTime)
    {
        try
        {
            if (startTime is { } key && Path.Combine(directory, $"dotnet-diagnostic-{processId}-{key}-socket") is var exact && File.Exists(exact))
            {
                return exact;
            }
            return Directory.GetFiles(directory, $"dotnet-diagnostic-{processId}-*-socket")
                .OrderByDescending(File.GetLastWriteTimeUtc)
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The process's start time in clock ticks since boot (/proc/self/stat, field 22): the key the runtime puts in its socket's name.</summary>
    private static long? ProcessStartTime()
    {
        try
        {
            var stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // after "pid (comm) ", field 3 is first
            return long.TryParse(fields[22 - 3], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Starts a session streaming nettrace (format 1) on a new connection; returns it and the session's id.</summary>
    public static async Task<(Socket Connection, ulong SessionId)> StartSessionAsync(string socketPath, IReadOnlyList<Provider> providers, bool rundown, CancellationToken cancellationToken)
    {
        var payload = new MemoryStream();
        WriteUInt32(payload, 16);   // circular buffer, MB
        WriteUInt32(payload, 1);    // nettrace
        payload.WriteByte(rundown ? (byte)1 : (byte)0);
        WriteUInt32(payload, (uint)providers.Count);
        foreach (var provider in providers)
        {
            WriteUInt64(payload, provider.Keywords);
            WriteUInt32(payload, provider.Level);
            WriteString(payload, provider.Name);
            WriteString(payload, null); // no filter
        }
        var connection = await ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
        try
        {
            await SendAsync(connection, EventPipeCommands, CollectTracing2, payload.ToArray(), cancellationToken).ConfigureAwait(false);
            var answer = await ReceiveAnswerAsync(connection, cancellationToken).ConfigureAwait(false);
            return (connection, BinaryPrimitives.ReadUInt64LittleEndian(answer));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Asks the runtime to stop <paramref name="sessionId"/>: it sends the rundown, ends the stream and closes that connection.</summary>
    public static async Task StopSessionAsync(string socketPath, ulong sessionId, CancellationToken cancellationToken)
    {
        using var connection = await ConnectAsync(socketPath, cancellationToken).ConfigureAwait(false);
        var payload = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(payload, sessionId);
        await SendAsync(connection, EventPipeCommands, StopTracing, payload, cancellationToken).ConfigureAwait(false);
        await ReceiveAnswerAsync(connection, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Socket> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task SendAsync(Socket connection, byte commandSet, byte commandId, byte[] payload, CancellationToken cancellationToken)
    {
        var message = new byte[HeaderSize + payload.Length];
        "DOTNET_IPC_V1\0"u8.CopyTo(message);
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(14), checked((ushort)message.Length));
        message[16] = commandSet;
        message[17] = commandId;
        payload.CopyTo(message, HeaderSize);
        await connection.SendAsync(message, SocketFlags.None, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the server's answer: its payload when it is OK, else an exception with the error code it sent.</summary>
    private static async Task<byte[]> ReceiveAnswerAsync(Socket connection, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        await ReceiveExactlyAsync(connection, header, cancellationToken).ConfigureAwait(false);
        if (!header.AsSpan(0, 14).SequenceEqual("DOTNET_IPC_V1\0"u8))
        {
            throw new IOException("The diagnostic server answered something other than a DOTNET_IPC_V1 message.");
        }
        var payload = new byte[BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(14)) - HeaderSize];
        await ReceiveExactlyAsync(connection, payload, cancellationToken).ConfigureAwait(false);
        if (header[16] != ServerCommands || header[17] != Ok)
        {
            var code = payload.Length >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(payload) : 0;
            throw new IOException($"The diagnostic server refused the command (0x{header[16]:X2}{header[17]:X2}, error 0x{code:X8}).");
        }
        return payload;
    }

    private static async Task ReceiveExactlyAsync(Socket connection, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (buffer.Length > 0)
        {
            var read = await connection.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The diagnostic server closed the connection before answering.");
            }
            buffer = buffer[read..];
        }
    }

    private static void WriteUInt32(Stream stream, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    private static void WriteUInt64(Stream stream, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        stream.Write(bytes);
    }

    /// <summary>A protocol string: a count of UTF-16 units including the terminating zero, then the units; 0 for none.</summary>
    private static void WriteString(Stream stream, string? value)
    {
        if (value is null)
        {
            WriteUInt32(stream, 0);
            return;
        }
        WriteUInt32(stream, (uint)value.Length + 1);
        stream.Write(Encoding.Unicode.GetBytes(value + "\0"));
    }
}
