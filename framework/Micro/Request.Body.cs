using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Micro.Hosting;

namespace Micro;

/// <summary>The request's body, read as bytes, a stream, text or JSON (forms and multipart beside the rest of the request).</summary>
public sealed partial class Request
{
    /// <summary>The body's bytes (an upgraded request's body, if it had one, was read before the switch and is gone).</summary>
    private ReadOnlySpan<byte> BodyBytes => _exchange is null ? default : _exchange.Body;

    /// <summary>
    /// The body's bytes (de-chunked); empty when there is none. A streamed body (multipart/form-data, see
    /// <see cref="IsBodyStreamed"/>) is read with <see cref="Multipart"/>, <see cref="BodyStream"/> or <see cref="ReadBodyAsync"/> instead.
    /// </summary>
    public ReadOnlyMemory<byte> Body => _exchange is null ? default : _exchange.BodyMemory;

    /// <summary>The body as a read-only stream; for a streamed body it reads as the body arrives (asynchronous reads only).</summary>
    public Stream BodyStream => _exchange is null ? Stream.Null : _exchange.OpenBody();

    /// <summary>
    /// True when the handler runs before the body has arrived and reads it as it comes: by default for
    /// multipart/form-data (<see cref="MicroServerOptions.StreamRequestBody"/> decides).
    /// </summary>
    public bool IsBodyStreamed => _exchange is { IsBodyStreamed: true };

    private RequestValues? _trailers; // kept once the body is whole: the trailers cannot change after

    /// <summary>
    /// The trailer fields of a chunked body (as Node's <c>req.trailers</c>): by name in any case, several values when
    /// repeated, kept apart from <see cref="Headers"/> (RFC 9110 section 6.5.2). There once the body has all arrived: at
    /// once for a body read before the handler runs, after the last read of a streamed one; empty before, and when the
    /// client sent none.
    /// </summary>
    public RequestValues Trailers => _trailers ?? ReadTrailers();

    private RequestValues ReadTrailers()
    {
        var values = new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>(StringComparer.OrdinalIgnoreCase);
        var lines = _exchange is null ? default : _exchange.RequestTrailers.Span;
        while (Http.TrailerLines.TryTake(ref lines, out var name, out var value))
        {
            values[name] = values.TryGetValue(name, out var earlier) ? Microsoft.Extensions.Primitives.StringValues.Concat(earlier, value) : value;
        }
        var trailers = new RequestValues(values, "Trailer");
        if (_exchange is { IsBodyWhole: true })
        {
            _trailers = trailers;
        }
        return trailers;
    }

    /// <summary>The next request starts with none read (only a request that read them has any to forget).</summary>
    private void ForgetTrailers() => _trailers = null;

    /// <summary>The whole body, waiting for a streamed one to arrive (up to <see cref="MicroServerOptions.MaxRequestBodySize"/>).</summary>
    public async ValueTask<ReadOnlyMemory<byte>> ReadBodyAsync()
    {
        if (_exchange is null)
        {
            return default;
        }
        ThrowIfBodyReadFrom("req.ReadBodyAsync()");
        await _exchange.ReadWholeBodyAsync(_maxBodySize).ConfigureAwait(true);
        return _exchange.BodyMemory;
    }

    /// <summary>
    /// A streamed body something in front of the handler read from is not whole any more: a reader of the whole body
    /// says so (a 500 that names it, not a 400 that blames the client for a body that looks cut short).
    /// </summary>
    private void ThrowIfBodyReadFrom(string reader)
    {
        if (_exchange is { WasBodyReadFrom: true })
        {
            throw new InvalidOperationException(
                $"{reader} wants the whole request body, but it was read from before: what is left is not the whole body. Read a streamed body once. "
                + "If ASP.NET Core middleware read it, its form is in req.HttpContext.Request.Form (HttpRequest.ReadFormAsync), or the middleware can "
                + "buffer it (HttpRequest.EnableBuffering) and rewind it, and the handler then reads it whole.");
        }
    }

    /// <summary>
    /// A middleware put a stream of its own in the body's place (ASP.NET Core middleware that decompresses it, or that
    /// buffered it to read it and rewound it): the handler reads the body from that stream from now on. A body read
    /// whole before the handler runs is read whole from it now, up to the request's body limit (413 past it), so
    /// <see cref="Body"/>, <see cref="Json{T}"/> and <see cref="Text"/> give what the middleware made of it; a streamed
    /// body is read from it as it goes.
    /// </summary>
    internal ValueTask ReadBodyFromAsync(Stream body)
    {
        if (_exchange is null)
        {
            return default;
        }
        var buffered = !_exchange.IsBodyStreamed;
        _exchange.ReplaceBody(body);
        return buffered ? _exchange.ReadWholeBodyAsync(_maxBodySize) : default;
    }

    /// <summary>The body as text, in the charset Content-Type names (UTF-8 when it names none).</summary>
    public string Text()
    {
        var encoding = Encoding.UTF8;
        var contentType = Header("Content-Type");
        if (contentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media) && media.Charset.HasValue)
        {
            try
            {
                encoding = Encoding.GetEncoding(media.Charset.Value!);
            }
            catch (ArgumentException)
            {
                throw new HttpError(415, $"The charset '{media.Charset.Value}' is not supported.");
            }
        }
        return encoding.GetString(BodyBytes);
    }

    /// <summary>
    /// The body as JSON, with the app's <see cref="MicroApp.JsonOptions"/> (web defaults: property names match in any
    /// case), or through source-generated metadata when given (trimming- and AOT-safe). Not JSON: 400. A Content-Type
    /// other than application/json or a +json type: 415, as on ASP.NET Core (see <see cref="ThrowUnlessJson"/>).
    /// </summary>
    public T? Json<T>(JsonTypeInfo<T>? typeInfo = null)
    {
        if (_parsedBody is T kept)
        {
            return kept;
        }
        ThrowUnlessJson();
        try
        {
            return JsonSerializer.Deserialize(BodyBytes, typeInfo ?? JsonMetadata<T>.From(_settings.Json));
        }
        catch (JsonException error)
        {
            throw new HttpError(400, $"The request body is not valid JSON: {error.Message}");
        }
    }

    /// <summary>The body as JSON; completes synchronously unless the body is streamed and still arriving.</summary>
    public ValueTask<T?> JsonAsync<T>(JsonTypeInfo<T>? typeInfo = null) =>
        IsBodyStreamed ? JsonAfterBodyAsync(typeInfo) : new(Json(typeInfo));

    private async ValueTask<T?> JsonAfterBodyAsync<T>(JsonTypeInfo<T>? typeInfo)
    {
        ThrowUnlessJson(); // before the body is read
        ThrowIfBodyReadFrom("req.JsonAsync()");
        await _exchange!.ReadWholeBodyAsync(_maxBodySize).ConfigureAwait(true);
        return Json(typeInfo);
    }

    /// <summary>
    /// 415 unless the body says it is JSON. A browser sends a cross-site form or a text/plain body without asking
    /// the server first (no CORS preflight), so a JSON route that took any body would take a forged one on the
    /// victim's cookies; ASP.NET Core's minimal APIs refuse it the same way, and Express's json parser skips it.
    /// </summary>
    private void ThrowUnlessJson()
    {
        var bytes = HeadBytes;
        if (!_head.TryGetHeader(bytes, "Content-Type"u8, out var contentType) || !IsJsonMediaType(contentType.Of(bytes)))
        {
            throw new HttpError(415, $"Expected an application/json body, not '{Header("Content-Type") ?? "none"}'.");
        }
    }

    /// <summary>application/json, or a +json type (application/merge-patch+json), with any parameters.</summary>
    private static bool IsJsonMediaType(ReadOnlySpan<byte> contentType)
    {
        var semicolon = contentType.IndexOf((byte)';');
        var mediaType = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim(" \t"u8);
        return Ascii.EqualsIgnoreCase(mediaType, "application/json"u8)
            || (mediaType.Length > "application/+json".Length && Ascii.EqualsIgnoreCase(mediaType[..12], "application/"u8)
                && Ascii.EqualsIgnoreCase(mediaType[^5..], "+json"u8));
    }
}
