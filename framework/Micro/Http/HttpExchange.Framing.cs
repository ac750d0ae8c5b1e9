using Micro.Parser;

namespace Micro.Http;

/// <summary>Response framing: the status line and headers, Content-Length or chunked, and how a response ends.</summary>
public sealed partial class HttpExchange
{
    /// <summary>Frames and writes the response after the handler returned.</summary>
    internal void Complete()
    {
        if (IsCompleted)
        {
            return;
        }
        if (_raw)
        {
            IsCompleted = true;
            return;
        }
        if (_streaming)
        {
            if (Head.Version == ProtocolVersion.Http11 && !IsHeadRequest && ResponseFramer.AllowsBody(_statusCode))
            {
                ResponseFramer.WriteLastChunk(_target!);
            }
            IsCompleted = true;
            return;
        }
        var bodyLength = _bodyBuffer?.Length ?? 0;
        WriteHead(bodyLength);
        if (_bodyBuffer is not null)
        {
            if (!IsHeadRequest && ResponseFramer.AllowsBody(_statusCode))
            {
                _bodyBuffer.MoveTo(_target!);
            }
            _bodyBuffer.Release();
        }
        IsCompleted = true;
    }

    /// <summary>The handler threw. Before anything was sent, the response becomes a 500 and the connection lives on; after, it must close.</summary>
    internal void Fail()
    {
        if (HasStarted)
        {
            AbortConnection = true;
            IsCompleted = true;
            return;
        }
        DiscardHeadersAndBody();
        SetStatusAsServer(500);
        Complete();
    }

    /// <summary>
    /// Accepts an upgrade: writes <paramref name="responseHead"/> (a whole 101 response head) and ends the exchange;
    /// once every response before it has gone, the connection is handed to the protocol <paramref name="next"/> makes,
    /// with the bytes the client sent after this request.
    /// </summary>
    internal void SwitchProtocols(ReadOnlySpan<byte> responseHead, Func<Transport.ProtocolSwitch, Transport.IConnectionProtocol> next)
    {
        ThrowIfStarted();
        DetachFromReceiveBuffer(); // the request outlives this receive: the connection's handler reads it for as long as it lives
        SetStatusAsServer(101, raw: true);
        _target!.Write(responseHead);
        SwitchTo = next;
        IsCompleted = true;
    }

    /// <summary>Set by <see cref="SwitchProtocols"/>: the protocol that takes the connection over (cleared once it has, so what it captured can go).</summary>
    internal Func<Transport.ProtocolSwitch, Transport.IConnectionProtocol>? SwitchTo { get; set; }

    /// <summary>An error answer the server makes itself (bad request, timeout): status, no body, and the connection closes.</summary>
    internal void CompleteWithError(int statusCode)
    {
        SetStatusAsServer(statusCode);
        WantsClose = true;
        DiscardHeadersAndBody();
        Complete();
    }

    private void WriteHead(long contentLength, ReadOnlySpan<byte> contentType = default)
    {
        // While the server stops, only the last response in line says close, and only when the client has sent
        // nothing more: one said earlier would end the connection before the answers already owed behind it (requests
        // in line, or received and not yet parsed), and those would be lost.
        var close = WantsClose || !Head.KeepAlive || (_connection!.IsStopping && NextInLine is null && !_connection.HasRequestsAhead);
        WantsClose = ResponseFramer.WriteHead(
            _target!, _statusCode, Head.Version == ProtocolVersion.Http11, close, _connection!.ServerLine, contentType, _headers, contentLength);
    }

    private void WriteChunk(ReadOnlySpan<byte> bytes)
    {
        if (!IsHeadRequest)
        {
            ResponseFramer.WriteChunk(_target!, bytes, Head.Version == ProtocolVersion.Http11);
        }
    }

    /// <summary>A body written explicitly (streamed, or in one piece) for a 204 or 304 is a bug in the handler: name it, as Kestrel does.</summary>
    private void ThrowIfBodyNotAllowed(int length)
    {
        if (length > 0 && !ResponseFramer.AllowsBody(_statusCode))
        {
            throw new InvalidOperationException($"A {_statusCode} response has no body; {length} bytes were written to it.");
        }
    }
}
