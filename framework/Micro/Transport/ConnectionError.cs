namespace Micro.Transport;

/// <summary>
/// Why a connection ended in error, for its duration metrics' <c>error.type</c> tag. The names are Kestrel's (its
/// ConnectionEndReason as its metrics tag it), so the dashboards and alerts built on Kestrel's metrics read Micro's.
/// <see cref="None"/> is an end HTTP means: a response that said close, the client closing, idle at a stop. The first
/// error noted on a connection is the one kept: the cause, not what followed from it.
/// </summary>
internal enum ConnectionError : byte
{
    None,
    InvalidRequestLine,
    InvalidHttpVersion,
    InvalidRequestHeaders,
    MaxRequestHeadersTotalSizeExceeded,
    MaxRequestHeaderCountExceeded,
    MaxRequestBodySizeExceeded,
    /// <summary>The client ended its side before the body it declared was complete.</summary>
    UnexpectedEndOfRequestContent,
    RequestHeadersTimeout,
    MinRequestBodyDataRate,
    MinResponseDataRate,
    KeepAliveTimeout,
    /// <summary>The application aborted the connection (HttpContext.Abort).</summary>
    AbortedByApp,
    /// <summary>A response shorter than the Content-Length it declared: the client must not wait for bytes that never come.</summary>
    ResponseContentLengthMismatch,
    /// <summary>The application failed after its response had started: it cannot be answered otherwise.</summary>
    ErrorAfterStartingResponse,
    /// <summary>A subscriber's unsent events passed their bound (an event stream's slow reader, closed by policy).</summary>
    OutputQueueSizeExceeded,
    /// <summary>The client reset the connection (ECONNRESET, EPIPE).</summary>
    ConnectionReset,
    /// <summary>Another socket error.</summary>
    IOError,
    /// <summary>The server's graceful stop ran out of time and closed what was left.</summary>
    AppShutdownTimeout,
    /// <summary>A refusal with no more specific name (a malformed chunked body, a server error before the request ran).</summary>
    OtherError,
}

/// <summary>The <c>error.type</c> values of <see cref="ConnectionError"/>.</summary>
internal static class ConnectionErrors
{
    public static string? ErrorType(this ConnectionError error) => error switch
    {
        ConnectionError.None => null,
        ConnectionError.InvalidRequestLine => "invalid_request_line",
        ConnectionError.InvalidHttpVersion => "invalid_http_version",
        ConnectionError.InvalidRequestHeaders => "invalid_request_headers",
        ConnectionError.MaxRequestHeadersTotalSizeExceeded => "max_request_headers_total_size_exceeded",
        ConnectionError.MaxRequestHeaderCountExceeded => "max_request_header_count_exceeded",
        ConnectionError.MaxRequestBodySizeExceeded => "max_request_body_size_exceeded",
        ConnectionError.UnexpectedEndOfRequestContent => "unexpected_end_of_request_content",
        ConnectionError.RequestHeadersTimeout => "request_headers_timeout",
        ConnectionError.MinRequestBodyDataRate => "min_request_body_data_rate",
        ConnectionError.MinResponseDataRate => "min_response_data_rate",
        ConnectionError.KeepAliveTimeout => "keep_alive_timeout",
        ConnectionError.AbortedByApp => "aborted_by_app",
        ConnectionError.ResponseContentLengthMismatch => "response_content_length_mismatch",
        ConnectionError.ErrorAfterStartingResponse => "error_after_starting_response",
        ConnectionError.OutputQueueSizeExceeded => "output_queue_size_exceeded",
        ConnectionError.ConnectionReset => "connection_reset",
        ConnectionError.IOError => "io_error",
        ConnectionError.AppShutdownTimeout => "app_shutdown_timeout",
        _ => "other_error",
    };

    /// <summary>The tag itself, made once per value: recording it allocates nothing.</summary>
    public static KeyValuePair<string, object?> Tag(this ConnectionError error) => s_tags[(int)error];

    private static readonly KeyValuePair<string, object?>[] s_tags =
        [.. Enum.GetValues<ConnectionError>().Select(error => new KeyValuePair<string, object?>("error.type", error.ErrorType()))];
}
