namespace Micro;

/// <summary>
/// What stands between a response's streamed body and the wire while a middleware covers the response (response
/// compression is the one Micro ships). The root calls it through this port and names no filter: a plugin room
/// depends on the root, never the other way.
/// </summary>
internal interface IResponseBodyFilter
{
    /// <summary>Starts <paramref name="response"/> as a stream now, its head (and what the filter adds to it) sent before any body.</summary>
    void Open(Response response);

    /// <summary>Writes a streamed chunk of <paramref name="response"/>'s body, transformed or as it is.</summary>
    ValueTask WriteAsync(Response response, ReadOnlyMemory<byte> chunk, CancellationToken cancellationToken);

    /// <summary>
    /// A variant of the file at <paramref name="path"/> to send instead (a precompressed sibling), with its
    /// Content-Encoding token; null to send the file itself.
    /// </summary>
    (string Path, string Encoding)? ChooseFileVariant(Response response, string path);
}
