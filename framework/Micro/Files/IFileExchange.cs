using Microsoft.Win32.SafeHandles;

namespace Micro.Files;

/// <summary>
/// What answering with a file needs of a request and its response: the port through which the root's
/// <see cref="Response"/> lends itself to this component, which names no type of the root in return.
/// </summary>
internal interface IFileExchange
{
    /// <summary>The method as sent ("GET", "HEAD").</summary>
    string Method { get; }

    /// <summary>The value of the first request header named <paramref name="name"/>, or null.</summary>
    string? RequestHeader(string name);

    /// <summary>A list-valued request header (If-None-Match): every line of it joined by commas, or null.</summary>
    string? RequestListHeader(string name);

    /// <summary>The value of a response header set so far (the app's own Content-Type, say), or null.</summary>
    string? ResponseHeader(string name);

    /// <summary>Sets a response header, replacing any of the same name.</summary>
    void SetHeader(string name, string value);

    /// <summary>Sets the response status.</summary>
    void SetStatus(int statusCode);

    /// <summary>Ends the response without a body.</summary>
    void End();

    /// <summary>Ends the response with <paramref name="count"/> bytes of <paramref name="handle"/> from <paramref name="offset"/>, with sendfile(2).</summary>
    void SendFileHandle(SafeFileHandle handle, long offset, long count);

    /// <summary>
    /// A variant of the file at <paramref name="path"/> to send instead (a precompressed sibling chosen by a body
    /// filter), with its Content-Encoding; null for the file itself.
    /// </summary>
    (string Path, string Encoding)? ChooseVariant(string path);
}
