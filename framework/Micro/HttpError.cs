namespace Micro;

/// <summary>Thrown by application code (or by Micro, e.g. for a malformed route parameter) to answer with a status and a message.</summary>
public sealed class HttpError(int statusCode, string message) : Exception(message)
{
    /// <summary>The status to answer with.</summary>
    public int StatusCode { get; } = statusCode;
}
