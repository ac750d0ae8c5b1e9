using Micro.Http;
using Microsoft.Net.Http.Headers;

namespace Micro.AspNetCore;

/// <summary>
/// The response head handed to the exchange, once: the status, and the headers as the app set them but for those
/// the server frames itself (Content-Length, Transfer-Encoding, Date); the app's Server replaces the server's, and a
/// Connection: close is honoured. Names and values are encoded through <see cref="HeaderBytes"/>.
/// </summary>
internal abstract partial class RequestFeatures
{
    /// <summary>On the reactor: status and headers to the exchange. The framing headers are the server's, Server may be the app's.</summary>
    private void SendHead(HttpExchange exchange)
    {
        _headSent = true;
        _responseHeaders.IsReadOnly = true;
        if (CloseAfterResponse)
        {
            exchange.RequireClose();
        }
        exchange.StatusCode = _statusCode;
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
        switch (ServerManaged(name))
        {
            case ManagedHeader.Framing:
                return;
            case ManagedHeader.Server:
                exchange.SetServerHeader(System.Text.Encoding.Latin1.GetBytes(values.ToString()));
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

    private enum ManagedHeader
    {
        None,
        Framing,
        Server,
        Connection,
    }

    /// <summary>By length first: most names are none of these, and are passed over without a comparison.</summary>
    private static ManagedHeader ServerManaged(string name) => name.Length switch
    {
        4 when name.Equals(HeaderNames.Date, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        6 when name.Equals(HeaderNames.Server, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Server,
        10 when name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Connection,
        14 when name.Equals(HeaderNames.ContentLength, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        17 when name.Equals(HeaderNames.TransferEncoding, StringComparison.OrdinalIgnoreCase) => ManagedHeader.Framing,
        _ => ManagedHeader.None,
    };
}
