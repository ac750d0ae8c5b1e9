namespace Micro;

/// <summary>Thrown by application code (or by Micro, e.g. for a malformed route parameter) to answer with a status and a message.</summary>
public sealed class HttpError(int statusCode, string message) : Exception(message)
{
    /// <summary>The status to answer with.</summary>
    public int StatusCode { get; } = statusCode;

    /// <summary>
    /// The status an error is answered with: an HttpError's own, the framework's (a body over the limit: 413), 500
    /// for anything else. For <c>app.OnError</c> handlers.
    /// </summary>
    public static int StatusCodeOf(Exception error) => error switch
    {
        HttpError http => http.StatusCode,
        Microsoft.AspNetCore.Http.BadHttpRequestException badRequest => badRequest.StatusCode,
        _ => 500,
    };
}
