using System.Globalization;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Micro.Files;

/// <summary>
/// How <see cref="Response.SendFile"/> answers: Content-Type from the extension, a weak ETag and Last-Modified,
/// 304 for a matching If-None-Match or If-Modified-Since, 206 for one satisfiable byte range, 416 for none.
/// </summary>
internal static class FileResponses
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Answers with the file at <paramref name="path"/>; with <paramref name="root"/>, only if the file opened lies inside it (else 404).</summary>
    public static void Send(Request request, Response response, string path, StaticRoot? root = null)
    {
        // Opened first and once: whether it may be served, its length and its date all come from this handle, so
        // nothing can be swapped between the check and the send.
        var sibling = response.CompressionActive ? response.Compression!.PrecompressedSibling(response, path) : null;
        var handle = Open(sibling?.Path ?? path);
        try
        {
            if (root is not null && !root.Contains(handle))
            {
                throw new HttpError(404, "Not Found"); // a symbolic link led outside the static root
            }
            if (!Answer(request, response, path, handle, sibling?.Coding ?? Compression.ContentCoding.Identity))
            {
                handle.Dispose(); // answered without a body (304, 416)
            }
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle Open(string path)
    {
        try
        {
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            if ((File.GetAttributes(handle) & FileAttributes.Directory) != 0)
            {
                handle.Dispose();
                throw new HttpError(404, "Not Found");
            }
            return handle;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new HttpError(404, "Not Found");
        }
    }

    /// <summary>Writes the response; true when the handle went with it (sendfile), false when there was no body.</summary>
    private static bool Answer(Request request, Response response, string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, Compression.ContentCoding coding)
    {
        var length = RandomAccess.GetLength(handle);
        var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(handle));
        modified = modified.AddTicks(-(modified.Ticks % TimeSpan.TicksPerSecond)); // HTTP dates have whole seconds
        // A precompressed sibling is another representation: its ETag says which, so no cache confuses the two.
        var codingTag = coding switch { Compression.ContentCoding.Brotli => "-br", Compression.ContentCoding.Gzip => "-gzip", _ => "" };
        var etag = $"W/\"{length:x}-{modified.ToUnixTimeSeconds():x}{codingTag}\"";
        response.Header("ETag", etag).Header("Last-Modified", modified.ToString("r", CultureInfo.InvariantCulture)).Header("Accept-Ranges", "bytes");

        if (NotModified(request, etag, modified))
        {
            response.Status(304).End();
            return false;
        }
        response.Header("Content-Type", ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream");
        if (codingTag.Length > 0)
        {
            response.Header("Content-Encoding", codingTag[1..]);
        }

        long offset = 0, count = length;
        var range = request.Header("Range");
        if (range is not null && IfRangeHolds(request, modified))
        {
            switch (ParseRange(range, length, out offset, out count))
            {
                case RangeResult.Satisfiable:
                    response.Status(206).Header("Content-Range", $"bytes {offset}-{offset + count - 1}/{length}");
                    break;
                case RangeResult.Unsatisfiable:
                    response.Status(416).Header("Content-Range", $"bytes */{length}").End();
                    return false;
                default:
                    (offset, count) = (0, length); // multiple or malformed ranges: the whole file (RFC 9110 section 14.2 allows it)
                    break;
            }
        }
        response.SendFileHandle(handle, offset, count);
        return true;
    }

    /// <summary>RFC 9110 section 13.1: If-None-Match (weak comparison) wins over If-Modified-Since; both only for GET and HEAD.</summary>
    private static bool NotModified(Request request, string etag, DateTimeOffset modified)
    {
        if (request.Method is not ("GET" or "HEAD"))
        {
            return false;
        }
        var ifNoneMatch = request.Header("If-None-Match");
        if (ifNoneMatch is not null)
        {
            return ifNoneMatch.Trim() == "*" || ifNoneMatch.Split(',').Any(tag => WeakEquals(tag.Trim(), etag));
        }
        var ifModifiedSince = request.Header("If-Modified-Since");
        return ifModifiedSince is not null && HeaderUtilities.TryParseDate(ifModifiedSince, out var since) && modified <= since;
    }

    private static bool IfRangeHolds(Request request, DateTimeOffset modified)
    {
        var ifRange = request.Header("If-Range");
        if (ifRange is null)
        {
            return true;
        }
        // If-Range compares entity tags strongly, and ours are weak: an entity tag never matches (send the whole file).
        if (ifRange.StartsWith('"') || ifRange.StartsWith("W/", StringComparison.Ordinal))
        {
            return false;
        }
        return HeaderUtilities.TryParseDate(ifRange, out var date) && date == modified;
    }

    private static bool WeakEquals(string a, string b) =>
        (a.StartsWith("W/", StringComparison.Ordinal) ? a[2..] : a) == (b.StartsWith("W/", StringComparison.Ordinal) ? b[2..] : b);

    private enum RangeResult
    {
        Ignored,
        Satisfiable,
        Unsatisfiable,
    }

    /// <summary>One range of "bytes=first-last", "bytes=first-" or "bytes=-suffix" (RFC 9110 section 14.1.2).</summary>
    private static RangeResult ParseRange(string header, long length, out long offset, out long count)
    {
        offset = 0;
        count = length;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(','))
        {
            return RangeResult.Ignored;
        }
        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-');
        if (dash < 0)
        {
            return RangeResult.Ignored;
        }
        var firstText = spec[..dash].Trim();
        var lastText = spec[(dash + 1)..].Trim();
        if (firstText.Length == 0)
        {
            if (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix))
            {
                return RangeResult.Ignored;
            }
            if (suffix == 0 || length == 0)
            {
                return RangeResult.Unsatisfiable;
            }
            count = Math.Min(suffix, length);
            offset = length - count;
            return RangeResult.Satisfiable;
        }
        if (!long.TryParse(firstText, NumberStyles.None, CultureInfo.InvariantCulture, out var first))
        {
            return RangeResult.Ignored;
        }
        var last = length - 1;
        if (lastText.Length > 0 && (!long.TryParse(lastText, NumberStyles.None, CultureInfo.InvariantCulture, out last) || last < first))
        {
            return RangeResult.Ignored;
        }
        if (first >= length)
        {
            return RangeResult.Unsatisfiable;
        }
        offset = first;
        count = Math.Min(last, length - 1) - first + 1;
        return RangeResult.Satisfiable;
    }
}
