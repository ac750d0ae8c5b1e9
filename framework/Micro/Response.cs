using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Micro.Http;

namespace Micro;

/// <summary>
/// The response a handler writes: <c>res.Status(201).Header("X-Id", id).Json(item)</c>. The body is sent with a
/// Content-Length when the handler returns, or streamed in chunks with <c>WriteAsync</c>.
/// </summary>
public sealed partial class Response : Files.IFileExchange
{
    private HttpExchange _exchange = null!;
    private Request? _request;

    /// <summary>The request this response answers.</summary>
    internal Request Request => _request!;
    private Utf8JsonWriter? _json;
    private JsonSerializerOptions _jsonOptions = null!;
    private bool _contentTypeSet;

    /// <summary>The status code so far (200 unless set).</summary>
    public int StatusCode => _exchange.StatusCode;

    internal HttpExchange Exchange => _exchange;

    /// <summary>The filter streamed body bytes pass through while a middleware (compression) covers this response; else null.</summary>
    internal IResponseBodyFilter? BodyFilter => _bodyFiltered ? KeptBodyFilter : null;

    /// <summary>
    /// The filter kept with this response between requests, so the middleware that made it reuses it rather than
    /// allocating; in force while <see cref="FilterBody"/> says so (a flag, not a reference stored and cleared per
    /// request: no write barrier for it).
    /// </summary>
    internal IResponseBodyFilter? KeptBodyFilter { get; set; }

    private bool _bodyFiltered;

    /// <summary>Puts <see cref="KeptBodyFilter"/> in force for this response, or takes it out.</summary>
    internal void FilterBody(bool filtered) => _bodyFiltered = filtered;

    /// <summary>
    /// What must run before the head of a streamed response goes out, set by a middleware that promised it (ASP.NET
    /// Core's OnStarting callbacks, through app.UseAspNetCore); run once, at the first streamed write. A response sent
    /// whole has its head written after the middleware returns, which runs them itself.
    /// </summary>
    internal Func<ValueTask>? BeforeStreaming { get; set; }

    /// <summary>Body bytes produced so far (for request logs and metrics).</summary>
    internal long BodyLength => _exchange.ResponseBodyLength;

    /// <summary>True once the response has been ended or has started streaming.</summary>
    public bool HasStarted => _exchange.HasStarted || Ended;

    internal bool Ended { get; private set; }

    /// <summary>Sets the status code.</summary>
    public Response Status(int statusCode)
    {
        ThrowIfEnded();
        _exchange.StatusCode = statusCode;
        return this;
    }

    /// <summary>Sets a response header, replacing any of the same name (one set by middleware, say), as Express's res.set.</summary>
    public Response Header(string name, string value)
    {
        ThrowIfEnded();
        NoteContentType(name, set: true);
        _exchange.SetHeader(name, value);
        return this;
    }

    /// <summary>Adds a response header, keeping any of the same name (a second Link or Vary line), as Express's res.append.</summary>
    public Response AppendHeader(string name, string value)
    {
        ThrowIfEnded();
        NoteContentType(name, set: true);
        _exchange.AddHeader(name, value);
        return this;
    }

    /// <summary>Removes every response header named <paramref name="name"/> set so far.</summary>
    public Response RemoveHeader(string name)
    {
        ThrowIfEnded();
        NoteContentType(name, set: false);
        _exchange.RemoveHeader(name);
        return this;
    }

    /// <summary>The value of the first response header named <paramref name="name"/> (any case) set so far, or null.</summary>
    public string? GetHeader(string name) => _exchange.GetHeader(name);

    /// <summary>Every response header set so far, in order (the server adds Date, Server and the framing headers when it sends).</summary>
    public IEnumerable<(string Name, string Value)> Headers => _exchange.ResponseHeaderList;

    private void NoteContentType(string name, bool set)
    {
        if (string.Equals(name, "Content-Type", StringComparison.OrdinalIgnoreCase))
        {
            _contentTypeSet = set;
        }
    }

    /// <summary>After End (or Send, Json, Redirect, SendFile, which end the response), nothing more may be written, as in Express.</summary>
    private void ThrowIfEnded()
    {
        if (Ended)
        {
            throw new InvalidOperationException(_retired ?? "The response has already been ended (by End, Send, Json, Redirect or SendFile); it cannot be written or changed again.");
        }
    }

    /// <summary>Why this handle is dead, once its exchange has moved on without it; every write then throws with it.</summary>
    private string? _retired;

    /// <summary>A handle dies with its exchange: from now on every write throws, naming <paramref name="reason"/>. Costs nothing until then: it is the ended state.</summary>
    internal void Retire(string reason)
    {
        _retired = reason;
        Ended = true;
    }

    /// <summary>
    /// Sets a cookie (Set-Cookie), its value percent-encoded. <paramref name="options"/> are ASP.NET Core's: Path
    /// (default "/"), Domain, Expires, MaxAge, Secure, HttpOnly, SameSite.
    /// </summary>
    public Response Cookie(string name, string value, Microsoft.AspNetCore.Http.CookieOptions? options = null)
    {
        if (string.IsNullOrEmpty(name) || name.AsSpan().IndexOfAny("()<>@,;:\\\"/[]?={} \t") >= 0 || name.Any(char.IsControl))
        {
            throw new ArgumentException($"'{name}' is not a valid cookie name.", nameof(name));
        }
        ThrowIfEnded();
        options ??= new Microsoft.AspNetCore.Http.CookieOptions();
        var header = options.CreateCookieHeader(name, Uri.EscapeDataString(value));
        _exchange.AddHeader("Set-Cookie", header.ToString());
        return this;
    }

    /// <summary>Clears a cookie by setting it expired (with the same Path and Domain it was set with).</summary>
    public Response ClearCookie(string name, Microsoft.AspNetCore.Http.CookieOptions? options = null)
    {
        options = new Microsoft.AspNetCore.Http.CookieOptions(options ?? new Microsoft.AspNetCore.Http.CookieOptions())
        {
            Expires = DateTimeOffset.UnixEpoch,
            MaxAge = null,
        };
        return Cookie(name, "", options);
    }

    /// <summary>Sends <paramref name="text"/> as UTF-8 (text/plain unless a Content-Type was set) and ends the response.</summary>
    public void Send(string text)
    {
        ThrowIfEnded();
        DefaultContentType("Content-Type: text/plain; charset=utf-8\r\n"u8);
        _exchange.Write(text);
        End();
    }

    /// <summary>Sends <paramref name="bytes"/> (application/octet-stream unless a Content-Type was set) and ends the response.</summary>
    public void Send(ReadOnlySpan<byte> bytes)
    {
        ThrowIfEnded();
        DefaultContentType("Content-Type: application/octet-stream\r\n"u8);
        _exchange.Write(bytes);
        End();
    }

    /// <summary>Sends <paramref name="bytes"/> and ends the response.</summary>
    public void Send(byte[] bytes) => Send(bytes.AsSpan());

    /// <summary>
    /// Serializes <paramref name="value"/> as JSON straight into the response buffer and ends the response: with the
    /// app's <see cref="MicroApp.JsonOptions"/> (web defaults: camelCase names), or source-generated metadata when given.
    /// </summary>
    public void Json<T>(T value, JsonTypeInfo<T>? typeInfo = null)
    {
        ThrowIfEnded();
        DefaultContentType("Content-Type: application/json; charset=utf-8\r\n"u8);
        var writer = Writer();
        JsonSerializer.Serialize(writer, value, typeInfo ?? JsonMetadata<T>.From(_jsonOptions));
        writer.Flush();
        End();
    }

    /// <summary>
    /// Sends the file at <paramref name="path"/> with sendfile(2) (zero copy): Content-Type from its extension unless
    /// the app set one, ETag and Last-Modified, 304 when the client's copy is current, 206 for a byte range, 404 when
    /// there is no such file.
    /// </summary>
    public void SendFile(string path)
    {
        ThrowIfEnded();
        Files.FileResponses.Send(this, path);
    }

    string Files.IFileExchange.Method => _request!.Method;

    string? Files.IFileExchange.RequestHeader(string name) => _request!.Header(name);

    string? Files.IFileExchange.RequestListHeader(string name) => _request!.ListHeader(name);

    string? Files.IFileExchange.ResponseHeader(string name) => GetHeader(name);

    void Files.IFileExchange.SetHeader(string name, string value) => Header(name, value);

    void Files.IFileExchange.SetStatus(int statusCode) => Status(statusCode);

    void Files.IFileExchange.SendFileHandle(Microsoft.Win32.SafeHandles.SafeFileHandle handle, long offset, long count)
    {
        _exchange.RespondWithFile(handle, offset, count);
        End();
    }

    (string Path, string Encoding)? Files.IFileExchange.ChooseVariant(string path) => BodyFilter?.ChooseFileVariant(this, path);

    /// <summary>
    /// Redirects to <paramref name="location"/> (encoded as <see cref="Location"/> encodes it) with 302 (or the status
    /// given) and ends the response.
    /// </summary>
    public void Redirect(string location, int statusCode = 302)
    {
        ThrowIfEnded();
        if (statusCode is < 300 or > 399)
        {
            throw new ArgumentOutOfRangeException(nameof(statusCode), "A redirect's status is 3xx.");
        }
        Status(statusCode).Location(location);
        End();
    }

    /// <summary>Ends the response (ending it twice is harmless); writing to it after this throws.</summary>
    public void End() => Ended = true;

    /// <summary>Streams <paramref name="bytes"/> as the next chunk, waiting while the client is slow.</summary>
    public ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        if (BeforeStreaming is { } beforeStreaming && !_exchange.HasStarted)
        {
            BeforeStreaming = null;
            return WriteAfterAsync(beforeStreaming, bytes, "application/octet-stream", cancellationToken);
        }
        DefaultContentType("Content-Type: application/octet-stream\r\n"u8);
        return BodyFilter is { } filter ? filter.WriteAsync(this, bytes, cancellationToken) : _exchange.WriteAsync(bytes, cancellationToken);
    }

    private async ValueTask WriteAfterAsync(Func<ValueTask> beforeStreaming, ReadOnlyMemory<byte> bytes, string contentType, CancellationToken cancellationToken)
    {
        await beforeStreaming().ConfigureAwait(true);
        DefaultContentType(Encoding.ASCII.GetBytes($"Content-Type: {contentType}\r\n"));
        await (BodyFilter is { } filter ? filter.WriteAsync(this, bytes, cancellationToken) : _exchange.WriteAsync(bytes, cancellationToken)).ConfigureAwait(true);
    }

    /// <summary>
    /// The body as a buffer writer, for code that renders bytes itself (a template, a serializer): written straight
    /// into the response's pooled blocks and sent with a Content-Length when the handler returns. Set Content-Type
    /// first (application/octet-stream otherwise).
    /// </summary>
    public System.Buffers.IBufferWriter<byte> BodyWriter
    {
        get
        {
            ThrowIfEnded();
            DefaultContentType("Content-Type: application/octet-stream\r\n"u8);
            return _exchange.BodyWriter;
        }
    }

    /// <summary>Streams <paramref name="text"/> as UTF-8.</summary>
    public ValueTask WriteAsync(string text, CancellationToken cancellationToken = default)
    {
        ThrowIfEnded();
        var bytes = Encoding.UTF8.GetBytes(text);
        if (BeforeStreaming is { } beforeStreaming && !_exchange.HasStarted)
        {
            BeforeStreaming = null;
            return WriteAfterAsync(beforeStreaming, bytes, "text/plain; charset=utf-8", cancellationToken);
        }
        DefaultContentType("Content-Type: text/plain; charset=utf-8\r\n"u8);
        return BodyFilter is { } filter ? filter.WriteAsync(this, bytes, cancellationToken) : _exchange.WriteAsync(bytes, cancellationToken);
    }

    /// <summary>Sets the Content-Type <paramref name="line"/> ("Content-Type: text/plain; charset=utf-8\r\n") unless the app set one.</summary>
    private void DefaultContentType(ReadOnlySpan<byte> line)
    {
        // A response that has no body (204, 304, 1xx) has no Content-Type either.
        if (!_contentTypeSet && !_exchange.HasStarted && _exchange.StatusCode is not (204 or 304) and >= 200)
        {
            _contentTypeSet = true;
            _exchange.AddFrameworkLine(Http.KnownResponseHeader.ContentType, line); // the framework's own constants, whole: nothing to check, one copy
        }
    }

    private Utf8JsonWriter Writer()
    {
        if (_json is null)
        {
            _json = new Utf8JsonWriter(_exchange.BodyWriter);
        }
        else
        {
            _json.Reset(_exchange.BodyWriter);
        }
        return _json;
    }

    /// <summary>Before an error answer replaces what the handler wrote (nothing of it was sent): writable again.</summary>
    internal void ResetForErrorAnswer()
    {
        _contentTypeSet = false;
        _bodyFiltered = false; // the error answer is not the covered response
        Ended = false;
    }

    internal void Attach(HttpExchange exchange, Request request, JsonSerializerOptions jsonOptions)
    {
        // Stored only when they change (a reference stored costs a write barrier): a pooled response comes back with
        // its exchange, its request and the app's JSON options.
        if (!ReferenceEquals(_exchange, exchange))
        {
            _exchange = exchange;
        }
        if (!ReferenceEquals(_request, request))
        {
            _request = request;
        }
        if (!ReferenceEquals(_jsonOptions, jsonOptions))
        {
            _jsonOptions = jsonOptions;
        }
        _contentTypeSet = false;
        _bodyFiltered = false; // a middleware that covered the last request may have left it in force
        Ended = false;
        BeforeStreaming = null;
    }
}
