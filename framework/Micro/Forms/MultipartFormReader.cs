using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Micro.Forms;

/// <summary>
/// Reads a multipart/form-data body (RFC 7578) part by part while it arrives, so a file part is never held whole:
/// <c>await foreach (var part in req.Multipart()) { ... }</c>. A malformed body answers 400, one past the
/// limits 413 (or 400 for too many parts or headers).
/// </summary>
public sealed class MultipartFormReader : IAsyncEnumerable<FormPart>
{
    /// <summary>RFC 2046 section 5.1.1: a boundary is 1 to 70 characters.</summary>
    private const int MaxBoundaryLength = 70;

    private readonly MultipartReader _reader;
    private readonly int _maxParts;
    private int _parts;

    internal MultipartFormReader(string? contentType, Stream body, int maxParts)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var media) || !media.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadHttpRequestException($"Expected a multipart/form-data body, not '{contentType ?? "none"}'.", 415);
        }
        var boundary = HeaderUtilities.RemoveQuotes(media.Boundary).Value;
        if (string.IsNullOrEmpty(boundary) || boundary.Length > MaxBoundaryLength)
        {
            throw new BadHttpRequestException($"The multipart/form-data Content-Type needs a boundary of 1 to {MaxBoundaryLength} characters.", 400);
        }
        _reader = new MultipartReader(boundary, new FormPartStream(body));
        _maxParts = maxParts;
    }

    /// <summary>The next part, or null after the last. Asking for it skips what is left of the one before.</summary>
    public async ValueTask<FormPart?> ReadNextPartAsync(CancellationToken cancellationToken = default)
    {
        MultipartSection? section;
        try
        {
            section = await _reader.ReadNextSectionAsync(cancellationToken).ConfigureAwait(true);
        }
        catch (InvalidDataException error)
        {
            throw Malformed(error);
        }
        catch (IOException error) when (IsParserComplaint(error))
        {
            throw Malformed(error);
        }
        if (section is null)
        {
            return null;
        }
        if (++_parts > _maxParts)
        {
            throw new BadHttpRequestException($"The multipart body has more than {_maxParts} parts.", 400);
        }
        if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
            || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadHttpRequestException("A multipart/form-data part has no 'Content-Disposition: form-data' header.", 400);
        }
        var (name, fileName) = NameAndFileName(disposition);
        if (string.IsNullOrEmpty(name))
        {
            throw new BadHttpRequestException("A multipart/form-data part has no name.", 400);
        }
        return new FormPart(name, fileName, section.ContentType, section.Headers ?? [], new FormPartStream(section.Body));
    }

    /// <summary>
    /// The part's name and file name. ASP.NET Core's parser throws on some malformed parameters instead of failing
    /// to parse (found by fuzzing: a <c>filename*</c> without a value throws ArgumentNullException, one in UTF-7
    /// NotSupportedException): that is the client's error, a 400, not the server's 500.
    /// </summary>
    private static (string? Name, string? FileName) NameAndFileName(ContentDispositionHeaderValue disposition)
    {
        try
        {
            var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value;
            var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value
                : disposition.FileName.HasValue ? HeaderUtilities.RemoveQuotes(disposition.FileName).Value
                : null;
            return (name, fileName);
        }
        catch (Exception error) when (error is ArgumentException or FormatException or InvalidOperationException or NotSupportedException)
        {
            throw new BadHttpRequestException($"A multipart/form-data part has a malformed Content-Disposition header: {error.Message}", 400);
        }
    }

    /// <inheritdoc/>
    public async IAsyncEnumerator<FormPart> GetAsyncEnumerator(CancellationToken cancellationToken = default)
    {
        while (await ReadNextPartAsync(cancellationToken).ConfigureAwait(true) is { } part)
        {
            yield return part;
        }
    }

    /// <summary>The parser's own "unexpected end" (the body ended inside a part), not the connection's failures, which are subclasses.</summary>
    private static bool IsParserComplaint(IOException error) => error.GetType() == typeof(IOException);

    internal static BadHttpRequestException Malformed(Exception error) => new($"The multipart/form-data body is malformed: {error.Message}", 400);

    /// <summary>Turns the multipart parser's complaints about the bytes into 400s; the body's own errors (413, 408, client gone) pass through.</summary>
    private sealed class FormPartStream(Stream inner) : Stream
    {
        // A component names no part of the framework (ArchitectureTests), so not Http.ReadForwardStream: its answers, here.
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException("A form part goes forward only: it has no length until it has all gone by.");
        public override long Position { get => throw new NotSupportedException("A form part goes forward only: it has no position."); set => throw new NotSupportedException("A form part goes forward only: it cannot seek."); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(true);
            }
            catch (InvalidDataException error)
            {
                throw Malformed(error);
            }
            catch (IOException error) when (IsParserComplaint(error))
            {
                throw Malformed(error);
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) =>
            throw new NotSupportedException("A form part is read with ReadAsync: a synchronous read would block the reactor that delivers it.");

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A form part goes forward only: it cannot seek.");
        public override void SetLength(long value) => throw new NotSupportedException("A form part goes forward only: it cannot be given a length.");
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A form part is read-only.");
    }
}
