namespace Micro.Parser;

/// <summary>
/// Decodes a chunked body (RFC 9112 section 7.1) without copying: each call hands back the next run of data as a
/// range in the caller's input, and consumes framing bytes as it goes, so input can end at any byte and nothing
/// needs to be kept from one call to the next. Chunk extensions are skipped within a bound; trailer fields are
/// validated against the header limits and kept, as received, for <see cref="Trailers"/>.
/// </summary>
public sealed class ChunkedDecoder
{
    private const int MaxSizeDigits = 16;

    private readonly HttpParserLimits _limits;
    private State _state;
    private long _remaining;
    private int _sizeDigits;
    private int _extensionLength;
    private int _trailerBytes;
    private int _trailerLines;
    private byte[]? _trailers; // the trailer section's bytes so far: grown as they arrive, within MaxHeaderBytes, kept for the next body

    /// <summary>Creates a decoder that enforces <paramref name="limits"/> (the defaults when null).</summary>
    public ChunkedDecoder(HttpParserLimits? limits = null) => _limits = limits ?? HttpParserLimits.Default;

    private enum State : byte
    {
        Size,
        SizeWhitespace,
        Extension,
        SizeLineFeed,
        Data,
        DataCarriageReturn,
        DataLineFeed,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerLineFeed,
        FinalLineFeed,
        Done,
        Failed,
    }

    /// <summary>Why decoding stopped, after <see cref="ChunkedDecodeStatus.Error"/>.</summary>
    public ParseError Error { get; private set; }

    /// <summary>True once the whole body, trailers included, has been read.</summary>
    public bool IsComplete => _state == State.Done;

    /// <summary>
    /// The trailer fields of a body that is complete, as received: whole <c>Name: value\r\n</c> lines, each name a
    /// token and each value free of control characters; empty when it had none. Valid until <see cref="Reset"/>.
    /// </summary>
    public ReadOnlySpan<byte> Trailers => IsComplete ? new ReadOnlySpan<byte>(_trailers, 0, _trailerBytes) : default;

    /// <summary>Makes the decoder ready for the next body.</summary>
    public void Reset()
    {
        _state = State.Size;
        _remaining = 0;
        _sizeDigits = 0;
        _extensionLength = 0;
        _trailerBytes = 0;
        _trailerLines = 0;
        Error = ParseError.None;
    }

    /// <summary>Consumes framing from <paramref name="input"/> up to the next run of data, the end of the body, or the end of the input.</summary>
    /// <param name="input">Body bytes that follow those consumed by the previous call.</param>
    /// <param name="consumed">How many bytes of <paramref name="input"/> this call used up, data included.</param>
    /// <param name="data">With <see cref="ChunkedDecodeStatus.Data"/>, where the data lies in <paramref name="input"/>.</param>
    public ChunkedDecodeStatus Decode(ReadOnlySpan<byte> input, out int consumed, out ByteRange data)
    {
        data = default;
        var i = 0;
        while (i < input.Length)
        {
            if (_state == State.Data)
            {
                var length = (int)Math.Min(_remaining, input.Length - i);
                data = new ByteRange(i, length);
                _remaining -= length;
                if (_remaining == 0)
                {
                    _state = State.DataCarriageReturn;
                }
                consumed = i + length;
                return ChunkedDecodeStatus.Data;
            }
            if (_state is State.Done or State.Failed)
            {
                break;
            }
            var error = Step(input[i++]);
            if (error != ParseError.None)
            {
                consumed = i;
                return Fail(error);
            }
            if (_state == State.Done)
            {
                consumed = i;
                return ChunkedDecodeStatus.Completed;
            }
        }
        consumed = i;
        return _state switch
        {
            State.Done => ChunkedDecodeStatus.Completed,
            State.Failed => ChunkedDecodeStatus.Error,
            _ => ChunkedDecodeStatus.NeedMoreData,
        };
    }

    private ParseError Step(byte b)
    {
        switch (_state)
        {
            case State.Size:
                var digit = HexValue(b);
                if (digit >= 0)
                {
                    if (++_sizeDigits > MaxSizeDigits || _remaining > long.MaxValue >> 4)
                    {
                        return ParseError.InvalidChunkSize;
                    }
                    _remaining = (_remaining << 4) | (uint)digit;
                    return ParseError.None;
                }
                if (_sizeDigits == 0)
                {
                    return ParseError.InvalidChunkSize;
                }
                return b switch
                {
                    (byte)'\r' => Go(State.SizeLineFeed),
                    (byte)';' => StartExtension(),
                    (byte)' ' or (byte)'\t' => Go(State.SizeWhitespace),
                    _ => ParseError.InvalidChunkSize,
                };
            case State.SizeWhitespace:
                // BWS is allowed only before a ';' that starts an extension.
                return b switch
                {
                    (byte)' ' or (byte)'\t' => ParseError.None,
                    (byte)';' => StartExtension(),
                    _ => ParseError.InvalidChunkExtension,
                };
            case State.Extension:
                if (b == '\r')
                {
                    return Go(State.SizeLineFeed);
                }
                if (++_extensionLength > _limits.MaxChunkExtensionLength)
                {
                    return ParseError.ChunkExtensionTooLong;
                }
                return IsControl(b) ? ParseError.InvalidChunkExtension : ParseError.None;
            case State.SizeLineFeed:
                if (b != '\n')
                {
                    return ParseError.InvalidChunkSize;
                }
                _sizeDigits = 0;
                _extensionLength = 0;
                return Go(_remaining == 0 ? State.TrailerLineStart : State.Data);
            case State.DataCarriageReturn:
                return b == '\r' ? Go(State.DataLineFeed) : ParseError.MissingChunkTerminator;
            case State.DataLineFeed:
                return b == '\n' ? Go(State.Size) : ParseError.MissingChunkTerminator;
            case State.TrailerLineStart:
                if (b == '\r')
                {
                    return Go(State.FinalLineFeed);
                }
                if (++_trailerLines > _limits.MaxHeaderCount)
                {
                    return ParseError.TrailerSectionTooLarge;
                }
                return KeepTrailerByte(b) ?? (HttpScanner.IsTokenByte(b) ? Go(State.TrailerName) : ParseError.InvalidTrailer);
            case State.TrailerName:
                return KeepTrailerByte(b) ?? (b == ':' ? Go(State.TrailerValue)
                    : HttpScanner.IsTokenByte(b) ? ParseError.None : ParseError.InvalidTrailer);
            case State.TrailerValue:
                return KeepTrailerByte(b) ?? (b == '\r' ? Go(State.TrailerLineFeed)
                    : IsControl(b) ? ParseError.InvalidTrailer : ParseError.None);
            case State.TrailerLineFeed:
                return KeepTrailerByte(b) ?? (b == '\n' ? Go(State.TrailerLineStart) : ParseError.InvalidTrailer);
            case State.FinalLineFeed:
                return b == '\n' ? Go(State.Done) : ParseError.InvalidTrailer;
            default:
                return ParseError.None;
        }
    }

    /// <summary>The ';' that starts the extensions counts toward their limit.</summary>
    private ParseError StartExtension()
    {
        _extensionLength = 1;
        return Go(State.Extension);
    }

    /// <summary>Keeps a byte of the trailer section, which counts toward the header limit.</summary>
    private ParseError? KeepTrailerByte(byte b)
    {
        if (_trailerBytes >= _limits.MaxHeaderBytes)
        {
            return ParseError.TrailerSectionTooLarge;
        }
        if (_trailers is null || _trailerBytes == _trailers.Length)
        {
            Array.Resize(ref _trailers, Math.Min(Math.Max(64, _trailerBytes * 2), _limits.MaxHeaderBytes));
        }
        _trailers[_trailerBytes++] = b;
        return null;
    }

    private ParseError Go(State next)
    {
        _state = next;
        return ParseError.None;
    }

    private ChunkedDecodeStatus Fail(ParseError error)
    {
        _state = State.Failed;
        Error = error;
        return ChunkedDecodeStatus.Error;
    }

    private static bool IsControl(byte b) => (b < 0x20 && b != '\t') || b == 0x7F;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
