using System.Text;

namespace Micro.Parser;

/// <summary>
/// The parsed head of one request: every part is a <see cref="ByteRange"/> into the buffer that was parsed, so the
/// head is only meaningful together with that buffer. One instance is reused request after request
/// (<see cref="Reset"/>); it grows its header table only for requests with more headers than it has seen before.
/// </summary>
public sealed class RequestHead
{
    private const int InitialHeaderCapacity = 16;

    private HeaderField[] _headers;

    /// <summary>An empty head, ready to parse into.</summary>
    public RequestHead()
    {
        _headers = new HeaderField[InitialHeaderCapacity];
    }

    private RequestHead(HeaderField[] headers)
    {
        _headers = headers;
    }

    /// <summary>The method, when it is one of the common ones.</summary>
    public RequestMethod Method { get; internal set; }

    /// <summary>The method's bytes.</summary>
    public ByteRange MethodRange { get; internal set; }

    /// <summary>The whole request-target as sent.</summary>
    public ByteRange Target { get; internal set; }

    /// <summary>Which of the four request-target forms was sent.</summary>
    public RequestTargetForm TargetForm { get; internal set; }

    /// <summary>The path part of the target, still percent-encoded; empty for the authority and asterisk forms.</summary>
    public ByteRange Path { get; internal set; }

    /// <summary>The query after '?', without the '?'; empty when there is none (see <see cref="HasQuery"/>).</summary>
    public ByteRange Query { get; internal set; }

    /// <summary>True when the target holds a '?', even with nothing after it.</summary>
    public bool HasQuery { get; internal set; }

    /// <summary>The protocol version.</summary>
    public ProtocolVersion Version { get; internal set; }

    /// <summary>How many header lines were parsed.</summary>
    public int HeaderCount { get; private set; }

    /// <summary>The header field lines in the order they were received.</summary>
    public ReadOnlySpan<HeaderField> Headers => _headers.AsSpan(0, HeaderCount);

    /// <summary>
    /// The request's host: an absolute-form target's authority (a Host line is then checked but not used, RFC 9112
    /// section 3.2.2), otherwise the Host value; an empty range at offset 0 when absent (see <see cref="HasHost"/>).
    /// </summary>
    public ByteRange Host { get; internal set; }

    /// <summary>True when the request names its host: a Host header, or an absolute-form target.</summary>
    public bool HasHost { get; internal set; }

    /// <summary>How the body is delimited.</summary>
    public BodyFraming Framing { get; internal set; }

    /// <summary>The body length when <see cref="Framing"/> is <see cref="BodyFraming.ContentLength"/>; otherwise 0.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>True when the connection may carry another request after this one's response.</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>True when the client sent <c>Expect: 100-continue</c> (ignored for HTTP/1.0, as RFC 9110 section 10.1.1 requires).</summary>
    public bool ExpectContinue { get; internal set; }

    /// <summary>True when Connection lists <c>upgrade</c>.</summary>
    public bool ConnectionUpgrade { get; internal set; }

    /// <summary>How many bytes the head took, leading empty lines and the final CRLF included; the body, if any, starts here.</summary>
    public int HeadLength { get; internal set; }

    /// <summary>Why the request was refused, when <see cref="RequestParser.Parse"/> returned <see cref="ParseStatus.Error"/>.</summary>
    public ParseError Error { get; internal set; }

    /// <summary>Progress kept between calls on an incomplete head, so that new bytes are scanned once.</summary>
    internal IncompleteHeadScan Scan;

    /// <summary>Framing facts gathered while reading header lines, settled once the head is complete.</summary>
    internal HeaderSemantics Semantics;

    /// <summary>
    /// A copy of what was parsed, with a header table only as large as this request needs and no scan state: for a head
    /// kept long after its request was answered (an upgraded connection's), over a copy of the same bytes.
    /// </summary>
    public RequestHead CopyParsed() => new(Headers.ToArray())
    {
        Method = Method,
        MethodRange = MethodRange,
        Target = Target,
        TargetForm = TargetForm,
        Path = Path,
        Query = Query,
        HasQuery = HasQuery,
        Version = Version,
        HeaderCount = HeaderCount,
        Host = Host,
        HasHost = HasHost,
        Framing = Framing,
        ContentLength = ContentLength,
        KeepAlive = KeepAlive,
        ExpectContinue = ExpectContinue,
        ConnectionUpgrade = ConnectionUpgrade,
        HeadLength = HeadLength,
    };

    /// <summary>Makes this instance ready to parse the next request.</summary>
    public void Reset()
    {
        ClearResults();
        Scan = default;
    }

    /// <summary>Forgets what was parsed but not how far the scan got, before the final pass over a completed head.</summary>
    internal void ClearResults()
    {
        Method = RequestMethod.Unknown;
        MethodRange = default;
        Target = default;
        TargetForm = RequestTargetForm.Unknown;
        Path = default;
        Query = default;
        HasQuery = false;
        Version = ProtocolVersion.Unknown;
        HeaderCount = 0;
        Host = default;
        HasHost = false;
        Framing = BodyFraming.None;
        ContentLength = 0;
        KeepAlive = false;
        ExpectContinue = false;
        ConnectionUpgrade = false;
        HeadLength = 0;
        Error = ParseError.None;
        Semantics = default;
    }

    /// <summary>Finds the first header named <paramref name="name"/> (ASCII, any case) and returns its value's range.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> name, out ByteRange value)
    {
        if (!name.IsEmpty)
        {
            // The length, then the first byte folded, before the whole name: most names of a length differ there
            // (Accept-Encoding and X-Forwarded-For), and the full comparison is a call. Folding with 0x20 only ever lets
            // more through. Both are read once, outside the loop, which walks the fields by reference.
            var (length, first) = (name.Length, name[0] | 0x20);
            foreach (ref readonly var header in Headers)
            {
                // The range's fields read as values (no call on the struct): a call would keep it in memory, written
                // whole and read back in halves, which the processor cannot forward (a stall per header looked at).
                var (offset, nameLength) = (header.Name.Offset, header.Name.Length);
                if (nameLength == length && (buffer[offset] | 0x20) == first && Ascii.EqualsIgnoreCase(buffer.Slice(offset, nameLength), name))
                {
                    value = header.Value;
                    return true;
                }
            }
        }
        value = default;
        return false;
    }

    /// <summary>Finds the first header named <paramref name="name"/> (any case) and returns its value's range.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> buffer, string name, out ByteRange value)
    {
        // Narrowed once and looked up as bytes: a name that is not ASCII is no token, so no field has it.
        Span<byte> ascii = name.Length <= 64 ? stackalloc byte[64] : new byte[name.Length];
        if (Ascii.FromUtf16(name, ascii, out var written) != System.Buffers.OperationStatus.Done)
        {
            value = default;
            return false;
        }
        return TryGetHeader(buffer, ascii[..written], out value);
    }

    internal void AddHeader(ByteRange name, ByteRange value)
    {
        if (HeaderCount == _headers.Length)
        {
            Array.Resize(ref _headers, _headers.Length * 2);
        }
        _headers[HeaderCount++] = new HeaderField(name, value);
    }
}
