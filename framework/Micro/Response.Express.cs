using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Micro;

/// <summary>The answers Express has by name (res.sendStatus, res.type, res.location, res.attachment, res.download) and 201 Created.</summary>
public sealed partial class Response
{
    /// <summary>Answers 201 Created with <paramref name="location"/> (the new resource's URL) and <paramref name="value"/> as JSON.</summary>
    public void Created<T>(string location, T value, JsonTypeInfo<T>? typeInfo = null)
    {
        Status(201).Location(location).Json(value, typeInfo);
    }

    /// <summary>Answers 201 Created with <paramref name="location"/> and no body.</summary>
    public void Created(string location) => Status(201).Location(location).End();

    /// <summary>
    /// Answers <paramref name="statusCode"/> with its reason phrase as the body ("Not Found"), as Express's
    /// res.sendStatus; a status that has no body (204, 304) is sent without one.
    /// </summary>
    public void SendStatus(int statusCode)
    {
        Status(statusCode);
        if (statusCode is 204 or 304 or < 200)
        {
            End();
            return;
        }
        Send(ReasonPhrases.GetReasonPhrase(statusCode) is { Length: > 0 } phrase ? phrase : statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Sets Content-Type from a media type ("application/pdf") or a short name or extension ("json", "html", "pdf",
    /// ".csv"), as Express's res.type; text types get "; charset=utf-8".
    /// </summary>
    public Response Type(string type)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        var mediaType = type.Contains('/', StringComparison.Ordinal) ? type : Files.FileResponses.ContentTypeOf("x." + type.TrimStart('.'));
        if (!type.Contains('/', StringComparison.Ordinal) && mediaType == "application/octet-stream" && type.TrimStart('.') is not ("bin" or "exe"))
        {
            throw new ArgumentException($"'{type}' is not a media type nor a known extension; give the type itself, such as 'application/x-{type.TrimStart('.')}'.", nameof(type));
        }
        if ((mediaType.StartsWith("text/", StringComparison.Ordinal) || mediaType is "application/json" or "application/javascript")
            && !mediaType.Contains("charset", StringComparison.OrdinalIgnoreCase))
        {
            mediaType += "; charset=utf-8";
        }
        return Header("Content-Type", mediaType);
    }

    /// <summary>
    /// Sets the Location header (a redirect's or a created resource's URL), percent-encoding as UTF-8 what a URL cannot
    /// hold as it is (a space, a non-ASCII letter) and leaving %XX escapes alone, as Express's res.location.
    /// </summary>
    public Response Location(string url) => Header("Location", LocationUrl.Encode(url));

    /// <summary>
    /// Marks the response as a download (Content-Disposition: attachment), named <paramref name="fileName"/> when
    /// given (any characters: sent as RFC 6266's filename and filename*), with the Content-Type of its extension
    /// unless one was set, as Express's res.attachment.
    /// </summary>
    public Response Attachment(string? fileName = null)
    {
        var disposition = new ContentDispositionHeaderValue("attachment");
        if (!string.IsNullOrEmpty(fileName))
        {
            disposition.SetHttpFileName(fileName);
            if (GetHeader("Content-Type") is null)
            {
                Header("Content-Type", Files.FileResponses.ContentTypeOf(fileName));
            }
        }
        return Header("Content-Disposition", disposition.ToString());
    }

    /// <summary>Sends the file at <paramref name="path"/> as a download named <paramref name="fileName"/> (its own name by default), as Express's res.download.</summary>
    public void Download(string path, string? fileName = null)
    {
        Attachment(fileName ?? System.IO.Path.GetFileName(path));
        SendFile(path);
    }

    /// <summary>Sends the file at <paramref name="path"/> as <see cref="SendFile(string)"/> does, with <paramref name="contentType"/> and, when given, as a download named <paramref name="downloadName"/>.</summary>
    public void SendFile(string path, string? contentType, string? downloadName = null)
    {
        if (contentType is not null)
        {
            Header("Content-Type", contentType);
        }
        if (downloadName is not null)
        {
            Attachment(downloadName);
        }
        SendFile(path);
    }
}
