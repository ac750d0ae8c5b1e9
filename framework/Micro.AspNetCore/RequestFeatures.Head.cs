namespace Micro.AspNetCore;

/// <summary>
/// The response head handed to the exchange, once: the status, and the headers as the app set them but for those
/// the server frames itself (Content-Length, Transfer-Encoding, Date); the app's Server replaces the server's, and a
/// Connection: close is honoured. Names and values are encoded through <see cref="HeaderBytes"/>.
/// </summary>
internal abstract partial class RequestFeatures
{
    private bool _headSent; // the exchange has the head: status and headers are fixed

    /// <summary>The exchange has the head (sent, or the switch's): status and headers are fixed from now on.</summary>
    private void FixHead()
    {
        _headSent = true;
        _responseHeaders.IsReadOnly = true;
    }

    /// <summary>
    /// The app's own reason phrase (a proxy copies its backend's) as bytes, or null when it set none or the status's
    /// own. Checked as a header's value is, off the reactor where the headers are: words that are not ASCII, or that
    /// would end the status line and start a header, fail the app's call (a 500 when nothing was sent).
    /// </summary>
    private byte[]? OwnReasonPhrase()
    {
        if (ReasonPhrase is not { } reason || reason == Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(_statusCode))
        {
            return null;
        }
        var bytes = HeaderBytes.AsciiBytes(reason);
        return Micro.Http.ResponseFramer.IsReasonPhrase(bytes)
            ? bytes
            : throw new InvalidOperationException($"Invalid reason phrase '{reason.ReplaceLineEndings(" ")}': empty, or with a control character that would end the status line.");
    }

    /// <summary>A new response: its head is not fixed yet.</summary>
    private void ForgetHead() => _headSent = false;

    /// <summary>On the reactor: status and headers to the exchange. The framing headers are the server's, Server may be the app's.</summary>
    private void SendHead(HttpExchange exchange)
    {
        FixHead();
        if (CloseAfterResponse)
        {
            exchange.RequireClose();
        }
        exchange.StatusCode = _statusCode;
        if (OwnReasonPhrase() is { } reason)
        {
            exchange.SetReasonPhrase(reason);
        }
        if (_headersChecked && _replacedResponseHeaders is null)
        {
            // Checked and encoded off the reactor when the response started (read-only since): the lines as they are.
            if (_encodedHead.Close)
            {
                exchange.SetHeader("Connection", "close");
            }
            if (_encodedHead.HasServer)
            {
                exchange.SetServerHeader(_encodedHead.ServerValue);
            }
            exchange.AddHeaderLines(_encodedHead.Lines);
            return;
        }
        if (_replacedResponseHeaders is { } replaced)
        {
            foreach (var (name, values) in replaced)
            {
                SendHeader(exchange, name, values);
            }
            return;
        }
        foreach (var (name, values) in _responseHeaders) // the struct enumerator: nothing allocated
        {
            SendHeader(exchange, name, values);
        }
    }

    /// <summary>One header to the exchange: the framing ones are the server's (Content-Length read on its own), Server may be the app's.</summary>
    private void SendHeader(HttpExchange exchange, string name, Microsoft.Extensions.Primitives.StringValues values)
    {
        switch (EncodedHead.ServerManaged(name))
        {
            case ManagedHeader.Framing:
                return;
            case ManagedHeader.Server:
                exchange.SetServerHeader(_headerBytes.Of(values.ToString())); // the same string on every response: encoded once
                return;
            case ManagedHeader.Connection:
                if (values.ToString().Contains("close", StringComparison.OrdinalIgnoreCase))
                {
                    exchange.SetHeader("Connection", "close");
                }
                return;
        }
        var nameBytes = _headerBytes.Of(name);
        foreach (var value in values)
        {
            exchange.AddHeader(nameBytes, _headerBytes.Of(value ?? ""));
        }
    }
}
