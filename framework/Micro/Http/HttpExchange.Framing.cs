using System.Buffers;
using System.Buffers.Text;
using Micro.Parser;
using Micro.Transport;

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
            if (Head.Version == ProtocolVersion.Http11 && !IsHeadRequest && AllowsBody(_statusCode))
            {
                _target!.Write("0\r\n\r\n"u8);
            }
            IsCompleted = true;
            return;
        }
        var bodyLength = _bodyBuffer?.Length ?? 0;
        WriteHead(_target!, bodyLength);
        if (_bodyBuffer is not null)
        {
            if (!IsHeadRequest && AllowsBody(_statusCode))
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
        _statusCode = 500;
        Complete();
    }

    /// <summary>An error answer the server makes itself (bad request, timeout): status, no body, and the connection closes.</summary>
    internal void CompleteWithError(int statusCode)
    {
        _statusCode = statusCode;
        WantsClose = true;
        DiscardHeadersAndBody();
        Complete();
    }

    private void WriteHead(OutputBuffer output, long contentLength, ReadOnlySpan<byte> contentType = default)
    {
        output.Write(StatusLines.For(_statusCode));
        _connection!.WriteServerHeaders(output);
        if (!contentType.IsEmpty)
        {
            output.Write("Content-Type: "u8);
            output.Write(contentType);
            output.Write("\r\n"u8);
        }
        if (_headerLines is not null)
        {
            _headerLines.MoveTo(output);
        }
        var http11 = Head.Version == ProtocolVersion.Http11;
        if (!AllowsBody(_statusCode))
        {
            // 204 and 304 end at their header section (RFC 9110 15.3.5, 15.4.5): no Content-Length, no chunked coding.
        }
        else if (contentLength >= 0)
        {
            output.Write("Content-Length: "u8);
            var span = output.GetSpan(20);
            Utf8Formatter.TryFormat(contentLength, span, out var written);
            output.Advance(written);
            output.Write("\r\n"u8);
        }
        else if (http11)
        {
            output.Write("Transfer-Encoding: chunked\r\n"u8);
        }
        else
        {
            WantsClose = true; // HTTP/1.0 has no chunked coding: the end of the body is the end of the connection.
        }
        var close = WantsClose || !Head.KeepAlive || _connection.IsShuttingDown;
        WantsClose = close;
        if (close)
        {
            output.Write("Connection: close\r\n"u8);
        }
        else if (!http11)
        {
            output.Write("Connection: keep-alive\r\n"u8);
        }
        output.Write("\r\n"u8);
    }

    private void WriteChunk(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || IsHeadRequest)
        {
            return;
        }
        if (Head.Version == ProtocolVersion.Http11)
        {
            var span = _target!.GetSpan(18);
            Utf8Formatter.TryFormat(bytes.Length, span, out var written, new StandardFormat('x'));
            span[written++] = (byte)'\r';
            span[written++] = (byte)'\n';
            _target.Advance(written);
            _target.Write(bytes);
            _target.Write("\r\n"u8);
        }
        else
        {
            _target!.Write(bytes);
        }
    }

    private static bool AllowsBody(int statusCode) => statusCode is not (204 or 304) && statusCode >= 200;

    /// <summary>A body written explicitly (streamed, or in one piece) for a 204 or 304 is a bug in the handler: name it, as Kestrel does.</summary>
    private void ThrowIfBodyNotAllowed(int length)
    {
        if (length > 0 && !AllowsBody(_statusCode))
        {
            throw new InvalidOperationException($"A {_statusCode} response has no body; {length} bytes were written to it.");
        }
    }
}
