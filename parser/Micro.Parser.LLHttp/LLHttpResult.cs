namespace Micro.Parser.LLHttp;

/// <summary>What llhttp made of a request head, in the same shape as <see cref="RequestHead"/> so the two compare field by field.</summary>
public sealed class LLHttpResult
{
    internal const int MaxHeaders = 256;

    private readonly HeaderField[] _headers = new HeaderField[MaxHeaders];

    /// <summary>Complete, Incomplete or Error.</summary>
    public ParseStatus Status { get; internal set; }

    /// <summary>The method, mapped onto Micro's enum.</summary>
    public RequestMethod Method { get; internal set; }

    /// <summary>The method's bytes.</summary>
    public ByteRange MethodRange { get; internal set; }

    /// <summary>The request-target as llhttp reported it.</summary>
    public ByteRange Target { get; internal set; }

    /// <summary>HTTP/1.0, HTTP/1.1, or Unknown for any other version llhttp accepted.</summary>
    public ProtocolVersion Version { get; internal set; }

    /// <summary>How many header lines llhttp reported.</summary>
    public int HeaderCount { get; internal set; }

    /// <summary>The header lines, names and values as llhttp delimited them.</summary>
    public ReadOnlySpan<HeaderField> Headers => _headers.AsSpan(0, HeaderCount);

    /// <summary>How the body is delimited.</summary>
    public BodyFraming Framing { get; internal set; }

    /// <summary>The Content-Length, when framing says so.</summary>
    public long ContentLength { get; internal set; }

    /// <summary>llhttp_should_keep_alive.</summary>
    public bool KeepAlive { get; internal set; }

    /// <summary>Bytes up to and including the head's final CRLF.</summary>
    public int HeadLength { get; internal set; }

    /// <summary>llhttp's errno name (such as HPE_INVALID_HEADER_TOKEN) when Status is Error.</summary>
    public string? ErrorName { get; internal set; }

    internal Span<HeaderField> HeaderStorage => _headers;
}
