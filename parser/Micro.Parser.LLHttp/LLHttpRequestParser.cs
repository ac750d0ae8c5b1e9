using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Micro.Parser.LLHttp.Interop;

namespace Micro.Parser.LLHttp;

/// <summary>
/// Parses a request head with llhttp, Node's C parser, for differential tests and benchmarks against
/// <see cref="RequestParser"/>. Callbacks are static <c>UnmanagedCallersOnly</c> methods that record offsets into a
/// block of native memory, so a parse allocates nothing.
/// </summary>
public sealed unsafe class LLHttpRequestParser : IDisposable
{
    private readonly LLHttpParser* _parser;
    private readonly LLHttpSettings* _settings;
    private readonly Spans* _spans;
    private bool _disposed;

    /// <summary>Allocates the native parser, its settings and the span block.</summary>
    public LLHttpRequestParser()
    {
        _parser = (LLHttpParser*)NativeMemory.AllocZeroed((nuint)sizeof(LLHttpParser));
        _settings = (LLHttpSettings*)NativeMemory.AllocZeroed((nuint)sizeof(LLHttpSettings));
        _spans = (Spans*)NativeMemory.AllocZeroed((nuint)sizeof(Spans));
        _spans->Headers = (HeaderField*)NativeMemory.AllocZeroed((nuint)(sizeof(HeaderField) * LLHttpResult.MaxHeaders));
        LLHttpNative.SettingsInit(_settings);
        _settings->OnMethod = &OnMethod;
        _settings->OnUrl = &OnUrl;
        _settings->OnHeaderField = &OnHeaderField;
        _settings->OnHeaderValue = &OnHeaderValue;
        _settings->OnHeadersComplete = &OnHeadersComplete;
    }

    /// <summary>Frees the native memory.</summary>
    ~LLHttpRequestParser() => Free();

    /// <summary>Parses the head at the start of <paramref name="buffer"/> into <paramref name="result"/>.</summary>
    public ParseStatus Parse(ReadOnlySpan<byte> buffer, LLHttpResult result)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        fixed (byte* start = buffer)
        {
            var spans = _spans;
            spans->Base = start;
            spans->HeaderCount = 0;
            spans->LastEvent = 0;
            spans->MethodOffset = spans->MethodLength = spans->UrlOffset = spans->UrlLength = 0;

            LLHttpNative.Init(_parser, LLHttpParser.HTTP_REQUEST, _settings);
            _parser->Data = spans;
            var errno = LLHttpNative.Execute(_parser, start, (nuint)buffer.Length);

            new ReadOnlySpan<HeaderField>(spans->Headers, spans->HeaderCount).CopyTo(result.HeaderStorage);
            result.HeaderCount = spans->HeaderCount;
            result.MethodRange = new ByteRange(spans->MethodOffset, spans->MethodLength);
            result.Target = new ByteRange(spans->UrlOffset, spans->UrlLength);
            result.ErrorName = null;
            if (errno == LLHttpParser.HPE_PAUSED)
            {
                // Paused in on_headers_complete: error_pos is just past the head's final LF.
                result.Status = ParseStatus.Complete;
                result.HeadLength = (int)(_parser->ErrorPos - start);
                result.Method = MapMethod(_parser->Method);
                result.Version = (_parser->HttpMajor, _parser->HttpMinor) switch
                {
                    (1, 1) => ProtocolVersion.Http11,
                    (1, 0) => ProtocolVersion.Http10,
                    _ => ProtocolVersion.Unknown,
                };
                var flags = _parser->Flags;
                result.Framing = (flags & LLHttpParser.F_CHUNKED) != 0 ? BodyFraming.Chunked
                    : (flags & LLHttpParser.F_CONTENT_LENGTH) != 0 && _parser->ContentLength > 0 ? BodyFraming.ContentLength
                    : BodyFraming.None;
                result.ContentLength = result.Framing == BodyFraming.ContentLength ? (long)_parser->ContentLength : 0;
                result.KeepAlive = LLHttpNative.ShouldKeepAlive(_parser) != 0;
            }
            else if (errno == LLHttpParser.HPE_OK)
            {
                result.Status = ParseStatus.Incomplete;
            }
            else
            {
                result.Status = ParseStatus.Error;
                result.ErrorName = Marshal.PtrToStringUTF8((nint)LLHttpNative.ErrnoName(errno));
            }
            return result.Status;
        }
    }

    /// <summary>Frees the native memory now.</summary>
    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        NativeMemory.Free(_parser);
        NativeMemory.Free(_settings);
        NativeMemory.Free(_spans->Headers);
        NativeMemory.Free(_spans);
    }

    private static RequestMethod MapMethod(byte method) => method switch
    {
        0 => RequestMethod.Delete,
        1 => RequestMethod.Get,
        2 => RequestMethod.Head,
        3 => RequestMethod.Post,
        4 => RequestMethod.Put,
        5 => RequestMethod.Connect,
        6 => RequestMethod.Options,
        7 => RequestMethod.Trace,
        28 => RequestMethod.Patch,
        _ => RequestMethod.Extension,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Spans* SpansOf(LLHttpParser* parser) => (Spans*)parser->Data;

    [UnmanagedCallersOnly]
    private static int OnMethod(LLHttpParser* parser, byte* at, nuint length)
    {
        var spans = SpansOf(parser);
        if (spans->MethodLength == 0)
        {
            spans->MethodOffset = (int)(at - spans->Base);
        }
        spans->MethodLength += (int)length;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnUrl(LLHttpParser* parser, byte* at, nuint length)
    {
        var spans = SpansOf(parser);
        if (spans->UrlLength == 0)
        {
            spans->UrlOffset = (int)(at - spans->Base);
        }
        spans->UrlLength += (int)length;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnHeaderField(LLHttpParser* parser, byte* at, nuint length)
    {
        var spans = SpansOf(parser);
        var headers = spans->Headers;
        if (spans->LastEvent == Spans.Field)
        {
            ref var last = ref headers[spans->HeaderCount - 1];
            last = last with { Name = last.Name with { Length = last.Name.Length + (int)length } };
            return 0;
        }
        if (spans->HeaderCount == LLHttpResult.MaxHeaders)
        {
            return -1;
        }
        var offset = (int)(at - spans->Base);
        headers[spans->HeaderCount++] = new HeaderField(new ByteRange(offset, (int)length), new ByteRange(offset, 0));
        spans->LastEvent = Spans.Field;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnHeaderValue(LLHttpParser* parser, byte* at, nuint length)
    {
        var spans = SpansOf(parser);
        ref var last = ref spans->Headers[spans->HeaderCount - 1];
        last = spans->LastEvent == Spans.Value
            ? last with { Value = last.Value with { Length = last.Value.Length + (int)length } }
            : last with { Value = new ByteRange((int)(at - spans->Base), (int)length) };
        spans->LastEvent = Spans.Value;
        return 0;
    }

    [UnmanagedCallersOnly]
    private static int OnHeadersComplete(LLHttpParser* parser) => LLHttpParser.HPE_PAUSED;

    /// <summary>Where the callbacks record what they saw; lives in native memory, reached through llhttp_t.data.</summary>
    private struct Spans
    {
        public const int Field = 1;
        public const int Value = 2;

        public byte* Base;
        public int MethodOffset;
        public int MethodLength;
        public int UrlOffset;
        public int UrlLength;
        public int HeaderCount;
        public int LastEvent;
        public HeaderField* Headers;
    }
}
