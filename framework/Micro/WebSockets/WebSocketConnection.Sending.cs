using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Micro.WebSockets;

/// <summary>
/// Sending: each message is one frame written into the connection's output and sent at once; when the client reads
/// slower than the app writes, the send completes only once the output has drained (backpressure, not growth).
/// </summary>
public sealed partial class WebSocketConnection
{
    private TaskCompletionSource? _drain;
    private long _closeSentAt;

    /// <summary>Sends a text message.</summary>
    public ValueTask SendAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!_reactor.IsOnReactorThread)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return SendFromElsewhereAsync(bytes, WebSocketMessageType.Text, cancellationToken);
        }
        ThrowIfCannotSend();
        var length = Encoding.UTF8.GetByteCount(text);
        if (_deflate is not null && length >= _deflate.MinSize)
        {
            var encoded = ArrayPool<byte>.Shared.Rent(length);
            Encoding.UTF8.GetBytes(text, encoded);
            WriteCompressed(WebSocketOpcode.Text, encoded.AsSpan(0, length));
            ArrayPool<byte>.Shared.Return(encoded);
            return Sent(cancellationToken);
        }
        var output = _transport.Output;
        var header = output.GetSpan(FrameWriter.MaxHeaderLength);
        output.Advance(FrameWriter.WriteHeader(header, WebSocketOpcode.Text, fin: true, length));
        output.Advance(Encoding.UTF8.GetBytes(text, output.GetSpan(length)));
        return Sent(cancellationToken);
    }

    /// <summary>Sends <paramref name="data"/> as a binary message, or as text (it must then be valid UTF-8).</summary>
    public ValueTask SendAsync(ReadOnlyMemory<byte> data, WebSocketMessageType type = WebSocketMessageType.Binary, CancellationToken cancellationToken = default)
    {
        if (!_reactor.IsOnReactorThread)
        {
            return SendFromElsewhereAsync(data.ToArray(), type, cancellationToken);
        }
        ThrowIfCannotSend();
        if (_deflate is not null && data.Length >= _deflate.MinSize)
        {
            WriteCompressed((WebSocketOpcode)type, data.Span);
        }
        else
        {
            FrameWriter.WriteFrame(_transport.Output, (WebSocketOpcode)type, data.Span);
        }
        return Sent(cancellationToken);
    }

    /// <summary>Sends <paramref name="value"/> as a JSON text message, with source-generated metadata.</summary>
    public ValueTask SendJsonAsync<T>(T value, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken = default)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, value, typeInfo);
        }
        return SendAsync(buffer.WrittenMemory, WebSocketMessageType.Text, cancellationToken);
    }

    /// <summary>Sends <paramref name="value"/> as a JSON text message, with <see cref="JsonOptions"/> (the app's).</summary>
    public ValueTask SendJsonAsync<T>(T value, CancellationToken cancellationToken = default) =>
        SendAsync(JsonSerializer.SerializeToUtf8Bytes(value, JsonMetadata<T>.From(JsonOptions)), WebSocketMessageType.Text, cancellationToken);

    /// <summary>
    /// Starts the closing handshake: sends a Close frame with <paramref name="code"/> and <paramref name="reason"/>
    /// (at most 123 bytes of UTF-8), and completes once the client has answered and the connection is closed, or
    /// after <see cref="WebSocketOptions.CloseTimeout"/>. Closing twice, or after the connection is gone, is harmless.
    /// </summary>
    public Task CloseAsync(int code = WebSocketCloseStatus.NormalClosure, string? reason = null)
    {
        if (!WebSocketCloseStatus.MayBeSent(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "A close code is 1000-1003, 1007-1014 or 3000-4999.");
        }
        if (!_reactor.IsOnReactorThread)
        {
            if (_reactor.HasEnded)
            {
                return Task.CompletedTask; // the server has stopped: the connection is closed already
            }
            var posted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _reactor.Post(static state =>
            {
                var (connection, code, reason, posted) = ((WebSocketConnection, int, string?, TaskCompletionSource))state!;
                connection.CloseAsync(code, reason).ContinueWith(static (task, posted) => ((TaskCompletionSource)posted!).TrySetResult(), posted, TaskScheduler.Default);
            }, (this, code, reason, posted));
            return posted.Task;
        }
        if (State == WebSocketState.Open)
        {
            SendClose((ushort)code, reason);
        }
        return Completion;
    }

    /// <summary>One message compressed (RSV1 set), in one frame.</summary>
    private void WriteCompressed(WebSocketOpcode opcode, ReadOnlySpan<byte> payload)
    {
        var (buffer, length) = _deflate!.Compress(payload);
        FrameWriter.WriteFrame(_transport.Output, opcode, buffer.AsSpan(0, length), compressed: true);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>Sends a Close frame and waits for the client's (at most <see cref="WebSocketOptions.CloseTimeout"/>, see OnTick).</summary>
    private void SendClose(ushort code, string? reason)
    {
        Span<byte> payload = stackalloc byte[125];
        var length = FrameWriter.ClosePayload(payload, code, reason);
        FrameWriter.WriteFrame(_transport.Output, WebSocketOpcode.Close, payload[..length]);
        State = WebSocketState.CloseSent;
        CloseStatus ??= code;
        CloseDescription ??= reason;
        _closeSentAt = _reactor.Now;
        _transport.Flush();
    }

    /// <summary>
    /// Fails the connection (RFC 6455 section 7.1.7): a Close frame with <paramref name="code"/> if one can still be
    /// sent, then the connection closes once it has gone out, without waiting for the client. Returns false, for the
    /// frame reader.
    /// </summary>
    private bool Fail(ushort code, string reason)
    {
        if (State == WebSocketState.Closed)
        {
            return false;
        }
        WebSocketLog.ProtocolError(_log, _transport.RemoteEndPoint, code, reason);
        if (State == WebSocketState.Open)
        {
            SendClose(code, reason.Length <= 123 ? reason : null);
        }
        EndReceiving();
        _transport.CloseAfterFlush();
        return false;
    }

    /// <summary>The client's Close frame: checked, answered with the same code, and the server closes the connection first.</summary>
    private void OnCloseFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1)
        {
            Fail(WebSocketCloseStatus.ProtocolError, "A Close frame's payload is empty or at least a 2-byte code.");
            return;
        }
        ushort code = WebSocketCloseStatus.NoStatusReceived;
        string? reason = null;
        if (payload.Length >= 2)
        {
            code = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload);
            if (!WebSocketCloseStatus.MayBeSent(code))
            {
                Fail(WebSocketCloseStatus.ProtocolError, $"Close code {code} may not be sent.");
                return;
            }
            if (!System.Text.Unicode.Utf8.IsValid(payload[2..]))
            {
                Fail(WebSocketCloseStatus.InvalidPayloadData, "A Close frame's reason is not valid UTF-8.");
                return;
            }
            reason = payload.Length > 2 ? Encoding.UTF8.GetString(payload[2..]) : null;
        }
        if (State == WebSocketState.Open)
        {
            // Answered with the code received (RFC 6455 section 5.5.1), or with none when none came.
            Span<byte> echo = stackalloc byte[2];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(echo, code);
            FrameWriter.WriteFrame(_transport.Output, WebSocketOpcode.Close, code == WebSocketCloseStatus.NoStatusReceived ? [] : echo);
            State = WebSocketState.CloseSent;
        }
        CloseStatus = code;
        CloseDescription = reason;
        EndReceiving();
        _transport.CloseAfterFlush();
    }

    private void ThrowIfCannotSend()
    {
        if (State != WebSocketState.Open)
        {
            throw State == WebSocketState.Closed
                ? new IOException("The WebSocket connection is closed.")
                : new InvalidOperationException("The WebSocket is closing: no message can be sent after a Close frame.");
        }
    }

    /// <summary>Sends what was written; the send is done now, or once the output has drained below its low-water mark.</summary>
    private ValueTask Sent(CancellationToken cancellationToken)
    {
        _transport.Flush();
        if (!_transport.IsOutputFull || State == WebSocketState.Closed)
        {
            return default;
        }
        _drain ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _transport.NotifyWhenDrained();
        return new ValueTask(cancellationToken.CanBeCanceled ? _drain.Task.WaitAsync(cancellationToken) : _drain.Task);
    }

    /// <summary>A send from another thread (a timer, a publisher) goes to the connection's reactor; the payload is copied first.</summary>
    private ValueTask SendFromElsewhereAsync(byte[] payload, WebSocketMessageType type, CancellationToken cancellationToken)
    {
        if (_reactor.HasEnded)
        {
            return ValueTask.FromException(new IOException("The WebSocket connection is closed: the server has stopped."));
        }
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _reactor.Post(static state =>
        {
            var (connection, payload, type, cancellationToken, sent) = ((WebSocketConnection, byte[], WebSocketMessageType, CancellationToken, TaskCompletionSource))state!;
            try
            {
                var pending = connection.SendAsync(payload, type, cancellationToken);
                if (pending.IsCompletedSuccessfully)
                {
                    sent.TrySetResult();
                }
                else
                {
                    pending.AsTask().ContinueWith(static (task, sent) => ((TaskCompletionSource)sent!).TrySetFromTask(task), sent, TaskScheduler.Default);
                }
            }
            catch (Exception exception)
            {
                sent.TrySetException(exception);
            }
        }, (this, payload, type, cancellationToken, sent));
        return new ValueTask(sent.Task);
    }

    /// <summary>The output drained: a sender waiting for room goes on.</summary>
    private void ReleaseDrainWaiter()
    {
        var drain = _drain;
        _drain = null;
        drain?.TrySetResult();
    }

    /// <summary>The connection closed: a sender waiting for room learns it.</summary>
    private void FailDrainWaiter(Exception failure)
    {
        var drain = _drain;
        _drain = null;
        drain?.TrySetException(failure);
    }
}
