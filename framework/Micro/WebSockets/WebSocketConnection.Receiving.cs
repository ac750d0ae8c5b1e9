using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using Micro.Transport;

namespace Micro.WebSockets;

/// <summary>
/// Reading frames as they arrive (RFC 6455 section 5): a header is read once all of it is here, a payload as it comes,
/// unmasked into the message being assembled; every rule a client can break closes the connection with its code.
/// </summary>
public sealed partial class WebSocketConnection
{
    private bool _inFrame;
    private bool _frameFin;
    private WebSocketOpcode _frameOpcode;
    private long _payloadRemaining;
    private uint _mask;
    private int _maskIndex;
    private WebSocketOpcode _messageOpcode;   // Text or Binary while a message is assembled, Continuation when none is
    private bool _messageCompressed;         // its first frame had RSV1 (permessage-deflate)
    private byte[]? _message;
    private byte[]? _messageBlock;           // the reactor's block the message is in, when it is in one
    private int _messageLength;
    private byte[]? _control;
    private int _controlLength;
    private Utf8Validator _utf8;
    private bool _messagePending;            // a whole message waits for the handler to ask
    private bool _messageLent;               // the handler has it; its bytes stay until it asks for the next
    private bool _receiving;
    private bool _pausedForHandler;          // reading stopped because bytes came while the handler held a message
    private bool _ended;                     // no message will come any more
    private WebSocketMessage _current;
    private ManualResetValueTaskSourceCore<bool> _receive;

    /// <summary>
    /// Waits for the next whole message (then <c>Current</c> of the enumerator has it); false once the connection is
    /// closing or closed. The message before is given up: its bytes are reused.
    /// </summary>
    internal ValueTask<bool> ReceiveAsync()
    {
        if (!_reactor.IsOnReactorThread)
        {
            throw new InvalidOperationException("Messages are received on the connection's reactor: await the WebSocket's calls without ConfigureAwait(false).");
        }
        if (_receiving)
        {
            throw new InvalidOperationException("A receive is already waiting on this WebSocket: one reader at a time.");
        }
        if (_messageLent)
        {
            _messageLent = false;
            ReleaseMessageBuffer();
            if (_pausedForHandler && !_ended)
            {
                _pausedForHandler = false;
                _transport.ResumeReading(); // what arrived meanwhile is handed over again, on the next turn
            }
        }
        if (_messagePending)
        {
            _messagePending = false;
            _messageLent = true;
            return new ValueTask<bool>(true);
        }
        if (_ended)
        {
            return new ValueTask<bool>(false);
        }
        _receiving = true;
        _receive.Reset();
        return new ValueTask<bool>(this, _receive.Version);
    }

    int IConnectionProtocol.OnReceived(byte[] buffer, int length)
    {
        Heard();
        var offset = 0;
        while (offset < length && !_ended && !_messagePending && !_messageLent)
        {
            if (!_inFrame && !TryReadHeader(buffer, length, ref offset))
            {
                break;
            }
            if (_inFrame)
            {
                offset += ReadPayload(buffer.AsSpan(offset, (int)Math.Min(_payloadRemaining, length - offset)));
                if (_payloadRemaining == 0 && !_ended)
                {
                    _inFrame = false;
                    FrameComplete();
                }
            }
        }
        if (offset < length && !_ended && (_messagePending || _messageLent))
        {
            // More arrived while the handler holds a message: stop reading until it asks for the next. Only then: a
            // client that waits for each answer never costs a pause and a resume (two epoll_ctl) per message.
            _pausedForHandler = true;
            _transport.PauseReading();
        }
        return _ended ? length : offset; // after a Close, nothing more is read
    }

    /// <summary>Reads and checks a frame header once all of it has arrived; false when more bytes are needed (or the connection failed).</summary>
    private bool TryReadHeader(byte[] buffer, int length, ref int offset)
    {
        var available = buffer.AsSpan(offset, length - offset);
        if (available.Length < 2)
        {
            return false;
        }
        var first = available[0];
        var second = available[1];
        var lengthBytes = (second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 };
        var headerLength = 2 + lengthBytes + 4;
        if ((second & 0x80) == 0)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "Frames from a client must be masked.");
        }
        if (available.Length < headerLength)
        {
            return false;
        }
        var fin = (first & 0x80) != 0;
        var opcode = (WebSocketOpcode)(first & 0x0F);
        var compressed = (first & 0x40) != 0;
        if ((first & 0x30) != 0 || (compressed && _deflate is null))
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "A reserved bit is set, and no extension that uses it was agreed.");
        }
        if (compressed && opcode is not (WebSocketOpcode.Text or WebSocketOpcode.Binary))
        {
            // RSV1 is permessage-deflate's, and only on a data message's first frame (RFC 7692 section 6.1).
            return Fail(WebSocketCloseStatus.ProtocolError, opcode == WebSocketOpcode.Continuation
                ? "RSV1 is set on a continuation frame: permessage-deflate marks only a message's first frame."
                : "RSV1 is set on a control frame: permessage-deflate compresses data messages only.");
        }
        long payloadLength = lengthBytes switch
        {
            2 => BinaryPrimitives.ReadUInt16BigEndian(available[2..]),
            8 => (long)BinaryPrimitives.ReadUInt64BigEndian(available[2..]),
            _ => second & 0x7F,
        };
        if (payloadLength < 0)
        {
            return Fail(WebSocketCloseStatus.ProtocolError, "A 64-bit payload length must have its most significant bit clear.");
        }
        switch (opcode)
        {
            case WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong:
                if (!fin || payloadLength > 125)
                {
                    return Fail(WebSocketCloseStatus.ProtocolError, "A control frame must not be fragmented and carries at most 125 bytes.");
                }
                _controlLength = 0;
                break;
            case WebSocketOpcode.Text or WebSocketOpcode.Binary:
                if (_messageOpcode != WebSocketOpcode.Continuation)
                {
                    return Fail(WebSocketCloseStatus.ProtocolError, "A new message began before the fragmented one before it ended.");
                }
                _messageOpcode = opcode;
                _messageCompressed = compressed;
                _utf8.Reset();
                break;
            case WebSocketOpcode.Continuation:
                if (_messageOpcode == WebSocketOpcode.Continuation)
                {
                    return Fail(WebSocketCloseStatus.ProtocolError, "A continuation frame came with no fragmented message to continue.");
                }
                break;
            default:
                return Fail(WebSocketCloseStatus.ProtocolError, $"Opcode {(int)opcode} is reserved.");
        }
        if (opcode is WebSocketOpcode.Text or WebSocketOpcode.Binary or WebSocketOpcode.Continuation && _messageLength + payloadLength > _options.MaxMessageSize)
        {
            return Fail(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_options.MaxMessageSize} bytes.");
        }
        _mask = MemoryMarshal.Read<uint>(available[(2 + lengthBytes)..]);
        _maskIndex = 0;
        _frameFin = fin;
        _frameOpcode = opcode;
        _payloadRemaining = payloadLength;
        _inFrame = true;
        offset += headerLength;
        return true;
    }

    /// <summary>Unmasks what arrived of the payload into the control frame's or the message's buffer; returns the bytes taken.</summary>
    private int ReadPayload(ReadOnlySpan<byte> payload)
    {
        Span<byte> destination;
        if (_frameOpcode >= WebSocketOpcode.Close)
        {
            _control ??= new byte[125];
            destination = _control.AsSpan(_controlLength, payload.Length);
            _controlLength += payload.Length;
        }
        else
        {
            EnsureMessageCapacity(_messageLength + payload.Length);
            destination = _message.AsSpan(_messageLength, payload.Length);
            _messageLength += payload.Length;
        }
        FrameMask.Unmask(payload, destination, _mask, _maskIndex);
        _maskIndex = (_maskIndex + payload.Length) & 3;
        _payloadRemaining -= payload.Length;
        if (_messageOpcode == WebSocketOpcode.Text && _frameOpcode < WebSocketOpcode.Close && !_messageCompressed
            && !_utf8.Append(destination, final: _frameFin && _payloadRemaining == 0))
        {
            Fail(WebSocketCloseStatus.InvalidPayloadData, "A text message is not valid UTF-8.");
        }
        return payload.Length;
    }

    private void FrameComplete()
    {
        switch (_frameOpcode)
        {
            case WebSocketOpcode.Ping:
                if (State == WebSocketState.Open)
                {
                    FrameWriter.WriteFrame(_transport.Output, WebSocketOpcode.Pong, _control.AsSpan(0, _controlLength));
                    _transport.Flush();
                }
                return;
            case WebSocketOpcode.Pong:
                return; // an answer to our keep-alive ping, or unsolicited: either way the client is alive
            case WebSocketOpcode.Close:
                OnCloseFrame(_control.AsSpan(0, _controlLength));
                return;
        }
        if (!_frameFin)
        {
            return; // more fragments of this message to come
        }
        if (_messageCompressed && !InflateMessage())
        {
            return;
        }
        var message = new WebSocketMessage((WebSocketMessageType)_messageOpcode, _message.AsMemory(0, _messageLength));
        _messageOpcode = WebSocketOpcode.Continuation;
        if (_callbacks is not null)
        {
            if (_callbacks.OnMessage is { } onMessage)
            {
                Invoke(static (connection, state) => state.onMessage(connection, state.message), (onMessage, message));
            }
            ReleaseMessageBuffer();
            return;
        }
        _current = message; // one message at a time: the next is parsed when the handler asks for it (OnReceived stops here)
        if (_receiving)
        {
            _receiving = false;
            _messageLent = true;
            _receive.SetResult(true);
        }
        else
        {
            _messagePending = true;
        }
    }

    /// <summary>Replaces the compressed message with its inflated bytes, checked as the uncompressed ones are; false when the connection failed.</summary>
    private bool InflateMessage()
    {
        _messageCompressed = false;
        var inflated = _deflate!.Inflate(_message.AsSpan(0, _messageLength), _options.MaxMessageSize, out var tooLarge);
        if (inflated is not { } result)
        {
            return tooLarge
                ? Fail(WebSocketCloseStatus.MessageTooBig, $"Messages are limited to {_options.MaxMessageSize} bytes, uncompressed.")
                : Fail(WebSocketCloseStatus.InvalidPayloadData, "A compressed message is not valid deflate data.");
        }
        ReturnMessageBuffer(_message!);
        (_message, _messageLength) = result;
        if (_messageOpcode == WebSocketOpcode.Text && !System.Text.Unicode.Utf8.IsValid(_message.AsSpan(0, _messageLength)))
        {
            return Fail(WebSocketCloseStatus.InvalidPayloadData, "A text message is not valid UTF-8.");
        }
        return true;
    }

    /// <summary>No message will come: a waiting receive learns it, and nothing more is read.</summary>
    private void EndReceiving()
    {
        _ended = true;
        if (_receiving)
        {
            _receiving = false;
            _receive.SetResult(false);
        }
    }

    /// <summary>
    /// Room for <paramref name="needed"/> bytes that have arrived. A frame's declared length reserves nothing (a
    /// 15-byte header may promise a megabyte and send one byte): the buffer grows with what actually came, doubling so
    /// a large message is copied a logarithmic number of times, and never past MaxMessageSize.
    /// </summary>
    private void EnsureMessageCapacity(int needed)
    {
        if (_message is null || _message.Length < needed)
        {
            var bigger = RentMessageBuffer(Math.Max(needed, Math.Min(_options.MaxMessageSize, (_message?.Length ?? 0) * 2)));
            if (_message is not null)
            {
                _message.AsSpan(0, _messageLength).CopyTo(bigger);
                ReturnMessageBuffer(_message);
            }
            _message = bigger;
        }
    }

    /// <summary>
    /// A buffer for a message of <paramref name="size"/> bytes: up to a block, one of the reactor's pooled blocks (it
    /// keeps up to a thousand, where the shared ArrayPool keeps a few dozen: with hundreds of connections each holding
    /// its message until the handler asks for the next, the shared pool let most go and every message allocated one);
    /// a larger message, from the shared pool. Messages are assembled and released on the reactor only.
    /// </summary>
    private byte[] RentMessageBuffer(int size)
    {
        if (size <= _reactor.Pool.BlockSize)
        {
            var block = _reactor.Pool.Rent();
            _messageBlock = block;
            return block;
        }
        return ArrayPool<byte>.Shared.Rent(size);
    }

    /// <summary>Gives a message buffer back where it came from (only the block rented last is the reactor's: pinned, for its I/O).</summary>
    private void ReturnMessageBuffer(byte[] buffer)
    {
        if (ReferenceEquals(buffer, _messageBlock))
        {
            _messageBlock = null;
            _reactor.Pool.Return(buffer);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The connection closed: the message being assembled goes back to its pool; one lent to the handler stays with it, for the collector.</summary>
    private void ReleaseMessageOnClose()
    {
        if (!_messageLent && _message is not null)
        {
            ReturnMessageBuffer(_message);
        }
        _message = null;
    }

    /// <summary>The message's bytes are given up; the buffer goes back to the pool unless a fragmented message is under way.</summary>
    private void ReleaseMessageBuffer()
    {
        _messageLength = 0;
        if (_message is not null && _messageOpcode == WebSocketOpcode.Continuation)
        {
            ReturnMessageBuffer(_message);
            _message = null;
        }
    }
}
