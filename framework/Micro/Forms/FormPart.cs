using Microsoft.AspNetCore.Http;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Micro.Forms;

/// <summary>
/// One part of a multipart/form-data body: a field or a file. Its <see cref="Body"/> reads the part's bytes as they
/// arrive from the client; a part left unread is skipped when the next one is asked for.
/// </summary>
public sealed class FormPart
{
    internal FormPart(string name, string? fileName, string? contentType, IReadOnlyDictionary<string, StringValues> headers, Stream body)
    {
        Name = name;
        FileName = fileName;
        ContentType = contentType;
        Headers = headers;
        Body = body;
    }

    /// <summary>The form field's name (Content-Disposition's name parameter).</summary>
    public string Name { get; }

    /// <summary>
    /// The file name the client sent (filename* preferred over filename), or null for a plain field. It is the
    /// client's word: never use it as a path without <see cref="Path.GetFileName(string)"/> and your own checks.
    /// </summary>
    public string? FileName { get; }

    /// <summary>True for a file part (it has a file name).</summary>
    public bool IsFile => FileName is not null;

    /// <summary>The part's Content-Type, or null when it sent none (text/plain by RFC 7578).</summary>
    public string? ContentType { get; }

    /// <summary>Every header of the part, by name (any case).</summary>
    public IReadOnlyDictionary<string, StringValues> Headers { get; }

    /// <summary>The part's bytes, read as they arrive (asynchronously).</summary>
    public Stream Body { get; }

    /// <summary>The part as text (UTF-8, or the charset its Content-Type names), at most <paramref name="maxBytes"/> bytes or 413.</summary>
    public async Task<string> ReadTextAsync(int maxBytes = 1024 * 1024, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(true)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new BadHttpRequestException($"The form field '{Name}' is longer than {maxBytes} bytes.", 413);
            }
            buffer.Write(chunk, 0, read);
        }
        return Encoding().GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Copies the part's bytes to <paramref name="destination"/> as they arrive; returns how many there were.</summary>
    public Task<long> CopyToAsync(Stream destination, CancellationToken cancellationToken = default) => CopyToAsync(destination, long.MaxValue, cancellationToken);

    /// <summary>
    /// Copies the part's bytes to <paramref name="destination"/> as they arrive, at most <paramref name="maxLength"/>:
    /// a longer part is answered 413 naming its field and the limit (what was copied stays: the caller decides).
    /// </summary>
    public async Task<long> CopyToAsync(Stream destination, long maxLength, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxLength);
        var chunk = new byte[16 * 1024];
        long total = 0;
        int read;
        while ((read = await Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(true)) > 0)
        {
            if (total + read > maxLength)
            {
                throw new BadHttpRequestException($"The file of form field '{Name}' is larger than the limit of {maxLength} bytes.", 413);
            }
            await destination.WriteAsync(chunk.AsMemory(0, read), cancellationToken).ConfigureAwait(true);
            total += read;
        }
        return total;
    }

    /// <summary>Writes the part's bytes to a new file at <paramref name="path"/> as they arrive; returns how many there were.</summary>
    public Task<long> SaveAsAsync(string path, CancellationToken cancellationToken = default) => SaveAsAsync(path, long.MaxValue, cancellationToken);

    /// <summary>
    /// Writes the part's bytes to a new file at <paramref name="path"/> as they arrive, at most
    /// <paramref name="maxLength"/>: a longer part is answered 413 naming its field and the limit, and the partial file
    /// is deleted. Returns how many bytes there were.
    /// </summary>
    public async Task<long> SaveAsAsync(string path, long maxLength, CancellationToken cancellationToken = default)
    {
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
        var saved = false;
        try
        {
            var length = await CopyToAsync(file, maxLength, cancellationToken).ConfigureAwait(true);
            saved = true;
            return length;
        }
        finally
        {
            await file.DisposeAsync().ConfigureAwait(true);
            if (!saved)
            {
                File.Delete(path); // too long, cut short, or the client went: no partial file left behind
            }
        }
    }

    private Encoding Encoding()
    {
        if (ContentType is not null && Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(ContentType, out var media) && media.Charset.HasValue)
        {
            try
            {
                return System.Text.Encoding.GetEncoding(media.Charset.Value!);
            }
            catch (ArgumentException)
            {
                throw new BadHttpRequestException($"The charset '{media.Charset.Value}' of form field '{Name}' is not supported.", 415);
            }
        }
        return System.Text.Encoding.UTF8;
    }
}
