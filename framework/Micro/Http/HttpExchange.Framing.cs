using System.Runtime.CompilerServices;
using System.Text;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Http;

/// <summary>
/// The response head and its framing: the header fields as the application sets them (kept in a
/// <see cref="ResponseHeaders"/>), the status line and headers written once, Content-Length or chunked, and how a
/// response ends (complete, failed, an error the server answers, a switch of protocols).
/// </summary>
public sealed partial class HttpExchange
{
    private ResponseHeaders? _headers; // made for the first header a handler sets, kept with the pooled exchange

    /// <summary>Adds a response header, keeping any of the same name. Content-Length, Transfer-Encoding, Date and Server are the server's to set.</summary>
    public void AddHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (CheckHeader(name, value))
        {
            (_headers ??= new ResponseHeaders()).Append(name, value);
        }
    }

    /// <summary>
    /// Adds a whole header line the framework composes ("Content-Type: text/plain; charset=utf-8\r\n", "Vary:
    /// Origin\r\n"): known to be valid and not the server's to frame, so the checks an application's header goes
    /// through are skipped; one copy; and of a kind the framework may read back by index.
    /// </summary>
    internal void AddFrameworkLine(KnownResponseHeader header, ReadOnlySpan<byte> line)
    {
        ThrowIfStarted();
        (_headers ??= new ResponseHeaders()).AppendLine(header, line);
    }

    /// <summary>
    /// Adds header lines a host composed and checked (as <see cref="AddHeader(ReadOnlySpan{byte}, ReadOnlySpan{byte})"/>
    /// checks them: valid names and values, none the server's to frame, Connection taken out): one copy.
    /// </summary>
    internal void AddHeaderLines(ReadOnlySpan<byte> lines)
    {
        ThrowIfStarted();
        (_headers ??= new ResponseHeaders()).AppendLines(lines);
    }

    /// <summary>The value of the first response header of a known kind set so far: an index, not a search.</summary>
    internal bool TryGetHeader(KnownResponseHeader header, out ReadOnlySpan<byte> value)
    {
        value = default;
        return _headers is not null && _headers.TryGet(header, out value);
    }

    /// <summary>Sets a response header, replacing any of the same name (as one set by middleware earlier).</summary>
    public void SetHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (CheckHeader(name, value))
        {
            (_headers ??= new ResponseHeaders()).Set(name, value);
        }
    }

    /// <summary>
    /// A host's 304 may tell the length its 200 would have had (RFC 9110 section 8.6), as a proxy relays a backend's and
    /// Kestrel sends the app's: the framer gives a 304 no framing of its own, so the length goes as one of its headers.
    /// </summary>
    private void TellLengthOfNotModified(long contentLength)
    {
        Span<byte> digits = stackalloc byte[20];
        System.Buffers.Text.Utf8Formatter.TryFormat(contentLength, digits, out var written);
        (_headers ??= new ResponseHeaders()).Set("Content-Length"u8, digits[..written]);
    }

    /// <summary>Removes every response header named <paramref name="name"/>; true when there was one.</summary>
    public bool RemoveHeader(ReadOnlySpan<byte> name)
    {
        ThrowIfStarted();
        return _headers is not null && _headers.Remove(name) > 0;
    }

    /// <summary>The value of the first response header named <paramref name="name"/> set so far.</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        return _headers is not null && _headers.TryGet(name, out value);
    }

    /// <summary>Every response header set so far, in order (not the server's: Date, Server, framing).</summary>
    public IEnumerable<(string Name, string Value)> ResponseHeaderList => _headers?.ToList() ?? [];

    private IResponseHeadHook? _headHook; // kept with the pooled exchange: stored when it changes, in force while _headHooked
    private bool _headHooked;

    /// <summary>
    /// Has <paramref name="hook"/> run once as this response's head is written (before anything of it is sent).
    /// Forgotten when the response is reset for an error answer: what it owed was the discarded response's.
    /// </summary>
    internal void HookHead(IResponseHeadHook hook)
    {
        if (!ReferenceEquals(_headHook, hook))
        {
            _headHook = hook; // a reference stored per request would cost a write barrier each
        }
        _headHooked = true;
    }

    private void ForgetHeadHook() => _headHooked = false;

    private byte[]? _ownStatusLine; // the status line with a host's own reason phrase; null for the status code's own

    /// <summary>
    /// The reason phrase a host's application chose (ASP.NET Core's <c>IHttpResponseFeature.ReasonPhrase</c>, which a
    /// proxy copies from its backend), for the status set when the head is written. One that could end the line (CR,
    /// LF, another control character) or is empty is refused, as a header that could split the response is.
    /// </summary>
    internal void SetReasonPhrase(ReadOnlySpan<byte> phrase)
    {
        ThrowIfStarted();
        if (!ResponseFramer.IsReasonPhrase(phrase))
        {
            throw new InvalidOperationException("The reason phrase is empty or holds a control character: it would end or split the status line.");
        }
        _ownStatusLine = ResponseFramer.StatusLine(_statusCode, phrase);
    }

    private void ForgetReasonPhrase() => _ownStatusLine = null;

    /// <summary>Validates a header the application sets; false when it is consumed here (Connection: close).</summary>
    private bool CheckHeader(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        ThrowIfStarted();
        ResponseHeaders.Validate(name, value);
        if (ResponseHeaders.IsServerManaged(name))
        {
            throw new InvalidOperationException($"The server sets the {Encoding.ASCII.GetString(name)} header itself.");
        }
        if (Ascii.EqualsIgnoreCase(name, "Connection"u8) && Ascii.EqualsIgnoreCase(value, "close"u8))
        {
            WantsClose = true;
            return false;
        }
        return true;
    }

    /// <summary>Adds a response header; both strings must be ASCII (Latin-1 bytes are sent as they are).</summary>
    [SkipLocalsInit]
    public void AddHeader(string name, string value)
    {
        Span<byte> scratch = stackalloc byte[HeaderScratch];
        var nameBytes = Latin1(name, scratch);
        AddHeader(nameBytes, Latin1(value, name.Length <= scratch.Length ? scratch[name.Length..] : scratch));
    }

    /// <summary>Sets a response header, replacing any of the same name; both strings must be ASCII.</summary>
    [SkipLocalsInit]
    public void SetHeader(string name, string value)
    {
        Span<byte> scratch = stackalloc byte[HeaderScratch];
        var nameBytes = Latin1(name, scratch);
        SetHeader(nameBytes, Latin1(value, name.Length <= scratch.Length ? scratch[name.Length..] : scratch));
    }

    /// <summary>Removes every response header named <paramref name="name"/> (ASCII); true when there was one.</summary>
    [SkipLocalsInit]
    public bool RemoveHeader(string name)
    {
        Span<byte> scratch = stackalloc byte[HeaderScratch];
        return RemoveHeader(Latin1(name, scratch));
    }

    /// <summary>The value of the first response header named <paramref name="name"/> (ASCII) set so far, or null.</summary>
    [SkipLocalsInit]
    public string? GetHeader(string name)
    {
        Span<byte> scratch = stackalloc byte[HeaderScratch];
        return TryGetHeader(Latin1(name, scratch), out var value) ? Encoding.Latin1.GetString(value) : null;
    }

    /// <summary>Stack room for a header given as strings (name and value together); a longer one is encoded into an array.</summary>
    private const int HeaderScratch = 512;

    /// <summary>
    /// A header string's bytes: in <paramref name="scratch"/> when it fits (no allocation), else a new array. ASCII,
    /// the common case, is narrowed by <see cref="Ascii.FromUtf16"/> (vectorized, without an encoder's checks; it was a
    /// tenth of a pipelined request through the public API); anything else as Latin-1, as before.
    /// </summary>
    private static ReadOnlySpan<byte> Latin1(string text, Span<byte> scratch)
    {
        if (text.Length > scratch.Length)
        {
            ThrowIfBeyondLatin1(text);
            return Encoding.Latin1.GetBytes(text);
        }
        var destination = scratch[..text.Length];
        if (Ascii.FromUtf16(text, destination, out _) != System.Buffers.OperationStatus.Done)
        {
            ThrowIfBeyondLatin1(text);
            Encoding.Latin1.GetBytes(text, destination);
        }
        return destination;
    }

    /// <summary>
    /// A header carries bytes: a character beyond Latin-1 has none, and Latin-1's encoder would send '?' in its place
    /// (Kestrel refuses any non-ASCII value the same way unless told an encoding).
    /// </summary>
    private static void ThrowIfBeyondLatin1(string text)
    {
        var beyond = text.AsSpan().IndexOfAnyExceptInRange('\0', '\u00FF');
        if (beyond >= 0)
        {
            throw new ArgumentException($"A response header holds '{text[beyond]}' (U+{(int)text[beyond]:X4}), which a header cannot carry: " +
                "percent-encode it (a URL), or send a parameter in RFC 8187's name*=UTF-8'' form.", nameof(text));
        }
    }

    /// <summary>Frames and writes the response after the handler returned.</summary>
    internal void Complete() => Complete(trailers: default);

    /// <summary>
    /// As <see cref="Complete()"/>, with <paramref name="trailers"/> (whole "Name: value\r\n" lines) after the last
    /// chunk of a chunked response (RFC 9112 section 7.1.2); a response framed otherwise has no place for them.
    /// </summary>
    internal void Complete(ReadOnlySpan<byte> trailers)
    {
        if (IsCompleted)
        {
            return;
        }
        if (_raw)
        {
            IsCompleted = true;
            return;
        }
        if (_streaming)
        {
            var sendsBody = !IsHeadRequest && ResponseFramer.AllowsBody(_statusCode);
            if (_declaredLength >= 0)
            {
                if (sendsBody && _bodyProduced < _declaredLength)
                {
                    AbortedBy = ConnectionError.ResponseContentLengthMismatch; // too short: the client waits for bytes that never come
                }
            }
            else if (Head.Version == ProtocolVersion.Http11 && sendsBody)
            {
                ResponseFramer.WriteLastChunk(_target!, trailers);
            }
            IsCompleted = true;
            return;
        }
        var body = _bodyBuffer;
        if (body is null || IsHeadRequest || !ResponseFramer.AllowsBody(_statusCode))
        {
            WriteHead(IsHeadRequest && body is not { Length: > 0 } ? ResponseFramer.NoLengthToTell : body?.Length ?? 0);
        }
        else if (body.TryGetSingleSpan(out var whole))
        {
            WriteHead(whole.Length, body: whole); // a body in one block goes out with its head, copied once
        }
        else
        {
            WriteHead(body.Length);
            body.MoveTo(_target!);
        }
        body?.Release();
        IsCompleted = true;
    }

    /// <summary>
    /// The handler threw. Before anything was sent, the response becomes a 500 and the connection lives on; after, it
    /// must close, for the reason <paramref name="why"/> (the app's own failure unless the server found a more precise one).
    /// </summary>
    internal void Fail(ConnectionError why = ConnectionError.ErrorAfterStartingResponse)
    {
        if (HasStarted)
        {
            AbortedBy = why;
            IsCompleted = true;
            return;
        }
        DiscardHeadersAndBody();
        SetStatusAsServer(500);
        WriteProblemIfAsked(500, null);
        Complete();
    }

    /// <summary>
    /// Accepts an upgrade: writes <paramref name="responseHead"/> (a whole 101 response head) and ends the exchange;
    /// once every response before it has gone, the connection is handed to the protocol <paramref name="next"/> makes,
    /// with the bytes the client sent after this request.
    /// </summary>
    internal void SwitchProtocols(ReadOnlySpan<byte> responseHead, Func<Transport.ProtocolSwitch, Transport.IConnectionProtocol> next)
    {
        ThrowIfStarted();
        DetachFromReceiveBuffer(); // the request outlives this receive: the connection's handler reads it for as long as it lives
        SetStatusAsServer(101, raw: true);
        _target!.Write(responseHead);
        SwitchTo = next;
        IsCompleted = true;
    }

    /// <summary>Set by <see cref="SwitchProtocols"/>: the protocol that takes the connection over (cleared once it has, so what it captured can go).</summary>
    internal Func<Transport.ProtocolSwitch, Transport.IConnectionProtocol>? SwitchTo { get; set; }

    /// <summary>An error answer the server makes itself (bad request, timeout): status, no body, and the connection closes.</summary>
    internal void CompleteWithError(int statusCode, string? detail = null, ConnectionError error = ConnectionError.None)
    {
        SetStatusAsServer(statusCode);
        WantsClose = true;
        AbortedBy = error; // for the metrics, when the server has not noted the cause already
        DiscardHeadersAndBody();
        WriteProblemIfAsked(statusCode, detail);
        Complete();
    }

    /// <summary>
    /// With MicroServerOptions.ProblemDetails, the server's own error answers carry an RFC 9457 body; without, one
    /// with a <paramref name="detail"/> says it as text.
    /// </summary>
    private void WriteProblemIfAsked(int statusCode, string? detail)
    {
        if (IsHeadRequest)
        {
            return;
        }
        if (_connection?.AnswersProblems == true)
        {
            (_headers ??= new ResponseHeaders()).Set("Content-Type"u8, "application/problem+json"u8);
            ProblemJson.Write(BodyWriter, statusCode, null, detail);
        }
        else if (detail is not null)
        {
            (_headers ??= new ResponseHeaders()).Set("Content-Type"u8, "text/plain; charset=utf-8"u8);
            System.Text.Encoding.UTF8.GetBytes(detail, BodyWriter);
        }
    }

    private void WriteHead(long contentLength, ReadOnlySpan<byte> contentType = default, ReadOnlySpan<byte> body = default, ReadOnlySpan<byte> lines = default)
    {
        if (_headHooked)
        {
            _headHooked = false; // once: what it adds is part of this head
            var added = _headHook!.BeforeHead(this, contentType);
            if (lines.IsEmpty)
            {
                lines = added;
            }
            else if (!added.IsEmpty)
            {
                (_headers ??= new ResponseHeaders()).AppendLines(added); // a host's lines are already here: the store takes the hook's
            }
        }
        // While the server stops, only the last response in line says close, and only when the client has sent
        // nothing more: one said earlier would end the connection before the answers already owed behind it (requests
        // in line, or received and not yet parsed), and those would be lost.
        var close = WantsClose || !Head.KeepAlive || (_connection!.IsStopping && NextInLine is null && !_connection.HasRequestsAhead);
        WantsClose = ResponseFramer.WriteHead(
            _target!, _statusCode, Head.Version == ProtocolVersion.Http11, close, _serverLine ?? _connection!.ServerLine, contentType, _headers, contentLength, body, lines,
            _ownStatusLine);
    }

    private void WriteChunk(ReadOnlySpan<byte> bytes)
    {
        if (IsHeadRequest)
        {
            return;
        }
        if (_declaredLength >= 0)
        {
            _target!.Write(bytes); // the head said how long: the bytes as they are
        }
        else
        {
            ResponseFramer.WriteChunk(_target!, bytes, Head.Version == ProtocolVersion.Http11);
        }
    }

    /// <summary>A body written explicitly (streamed, or in one piece) for a 204 or 304 is a bug in the handler: name it, as Kestrel does.</summary>
    private void ThrowIfBodyNotAllowed(int length)
    {
        if (length > 0 && !ResponseFramer.AllowsBody(_statusCode))
        {
            throw new InvalidOperationException($"A {_statusCode} response has no body; {length} bytes were written to it.");
        }
    }
}
