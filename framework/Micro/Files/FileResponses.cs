using Microsoft.AspNetCore.Http;
using System.Globalization;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace Micro.Files;

/// <summary>
/// How <c>res.SendFile</c> and <c>app.Static</c> answer: Content-Type from the extension, a weak ETag and
/// Last-Modified, 412 for a failed If-Match or If-Unmodified-Since, 304 for a matching If-None-Match or
/// If-Modified-Since, 206 for one satisfiable byte range of a GET, 416 for none. A component the root uses through
/// <see cref="IFileExchange"/>, naming nothing of the root: a file that is not there is a
/// <see cref="BadHttpRequestException"/> with 404, which the app answers with its status, as an HttpError.
/// </summary>
internal static class FileResponses
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>Answers with the file at <paramref name="path"/>; with <paramref name="root"/>, only if the file opened lies inside it (else 404).</summary>
    public static void Send(IFileExchange exchange, string path, StaticRoot? root = null)
    {
        // Opened first and once: whether it may be served, its length and its date all come from this handle, so
        // nothing can be swapped between the check and the send.
        var variant = exchange.ChooseVariant(path);
        var handle = Open(variant?.Path ?? path);
        try
        {
            if (root is not null && !root.Contains(handle))
            {
                throw NotFound(); // a symbolic link led outside the static root
            }
            if (!Answer(exchange, path, handle, variant?.Encoding))
            {
                handle.Dispose(); // answered without a body (304, 412, 416)
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
                throw NotFound();
            }
            return handle;
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw NotFound();
        }
    }

    /// <summary>The media type of a file name's extension ("report.pdf": application/pdf), application/octet-stream when unknown.</summary>
    internal static string ContentTypeOf(string path) => ContentTypes.TryGetContentType(path, out var type) ? type : "application/octet-stream";

    internal static BadHttpRequestException NotFound() => new("Not Found", 404);

    /// <summary>Writes the response; true when the handle went with it (sendfile), false when there was no body.</summary>
    private static bool Answer(IFileExchange exchange, string path, Microsoft.Win32.SafeHandles.SafeFileHandle handle, string? encoding)
    {
        var length = RandomAccess.GetLength(handle);
        var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(handle));
        modified = modified.AddTicks(-(modified.Ticks % TimeSpan.TicksPerSecond)); // HTTP dates have whole seconds
        // A precompressed sibling is another representation: its ETag says which, so no cache confuses the two.
        var etag = $"W/\"{length:x}-{modified.ToUnixTimeSeconds():x}{(encoding is null ? "" : "-" + encoding)}\"";
        exchange.SetHeader("ETag", etag);
        exchange.SetHeader("Last-Modified", modified.ToString("r", CultureInfo.InvariantCulture));
        exchange.SetHeader("Accept-Ranges", "bytes");

        if (Preconditions(exchange, etag, modified) is var status and not 200)
        {
            exchange.SetStatus(status);
            exchange.End();
            return false;
        }
        if (exchange.ResponseHeader("Content-Type") is null) // the app's own type wins (a PDF served from a .bin)
        {
            exchange.SetHeader("Content-Type", ContentTypeOf(path));
        }
        if (encoding is not null)
        {
            exchange.SetHeader("Content-Encoding", encoding);
        }

        long offset = 0, count = length;
        // GET is the one method a range applies to: a HEAD's head says what the whole GET would send (RFC 9110 14.2).
        var range = exchange.Method == "GET" ? exchange.RequestHeader("Range") : null;
        if (range is not null && IfRangeHolds(exchange, modified))
        {
            switch (ParseRange(range, length, out offset, out count))
            {
                case RangeResult.Satisfiable:
                    exchange.SetStatus(206);
                    exchange.SetHeader("Content-Range", $"bytes {offset}-{offset + count - 1}/{length}");
                    break;
                case RangeResult.Unsatisfiable:
                    exchange.SetStatus(416);
                    exchange.SetHeader("Content-Range", $"bytes */{length}");
                    exchange.End();
                    return false;
                default:
                    (offset, count) = (0, length); // multiple or malformed ranges: the whole file (RFC 9110 section 14.2 allows it)
                    break;
            }
        }
        exchange.SendFileHandle(handle, offset, count);
        return true;
    }

    /// <summary>
    /// The request's preconditions in RFC 9110 section 13.2.2's order, for GET and HEAD (where the file is the target's
    /// representation; a handler that sends a file in answer to another method has already acted): 412 when If-Match
    /// (compared strongly, so only "*" matches a weak tag) or, without it, If-Unmodified-Since fails; 304 when
    /// If-None-Match (compared weakly) or, without it, If-Modified-Since says the client's copy is current; else 200.
    /// </summary>
    private static int Preconditions(IFileExchange exchange, string etag, DateTimeOffset modified)
    {
        if (exchange.Method is not ("GET" or "HEAD"))
        {
            return 200;
        }
        var ifMatch = exchange.RequestListHeader("If-Match"); // a list, possibly over several lines
        if (ifMatch is not null)
        {
            if (!AnyTag(ifMatch, tag => StrongEquals(tag, etag)))
            {
                return 412;
            }
        }
        else if (DateOf(exchange, "If-Unmodified-Since") is { } unmodifiedSince && modified > unmodifiedSince)
        {
            return 412;
        }
        var ifNoneMatch = exchange.RequestListHeader("If-None-Match");
        if (ifNoneMatch is not null)
        {
            return AnyTag(ifNoneMatch, tag => WeakEquals(tag, etag)) ? 304 : 200;
        }
        // A date past the server's clock claims a copy from the future: ignored, as by ASP.NET Core's static files.
        return DateOf(exchange, "If-Modified-Since") is { } since && modified <= since && since <= DateTimeOffset.UtcNow ? 304 : 200;
    }

    /// <summary>True for "*" or when any entity tag of the list satisfies <paramref name="matches"/>.</summary>
    private static bool AnyTag(string list, Func<string, bool> matches) =>
        list.Trim() == "*" || list.Split(',', StringSplitOptions.TrimEntries).Any(matches);

    /// <summary>A header's HTTP-date; null when absent or not a date (the precondition is then ignored, RFC 9110 13.1.3-4).</summary>
    private static DateTimeOffset? DateOf(IFileExchange exchange, string name) =>
        exchange.RequestHeader(name) is { } text && HeaderUtilities.TryParseDate(text, out var date) ? date : null;

    /// <summary>Strong comparison (RFC 9110 section 8.8.3.2): both tags strong and the same.</summary>
    private static bool StrongEquals(string a, string b) =>
        !a.StartsWith("W/", StringComparison.Ordinal) && !b.StartsWith("W/", StringComparison.Ordinal) && a == b;

    private static bool IfRangeHolds(IFileExchange exchange, DateTimeOffset modified)
    {
        var ifRange = exchange.RequestHeader("If-Range");
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
