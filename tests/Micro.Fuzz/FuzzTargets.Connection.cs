using System.Net;
using System.Net.Sockets;
using System.Text;
using Micro.Http;
using Micro.Parser;

namespace Micro.Fuzz;

internal static partial class FuzzTargets
{
    private static readonly TimeSpan ConnectionDeadline = TimeSpan.FromSeconds(5);
    private static readonly Lazy<(MicroServer Server, ErrorCounter Errors)> Server = new(StartServer);

    /// <summary>
    /// A whole connection: the input is sent to a real server on 127.0.0.1 followed by a FIN, and what comes back is
    /// read to its end. No exception escapes into the server's log, nothing hangs, and the output is a well-formed
    /// sequence of HTTP/1.1 responses: one 200 per request the parser accepts, in order, up to the first error,
    /// which is answered with its status and Connection: close and is the last thing sent.
    /// </summary>
    private static void Connection(byte[] input)
    {
        var (server, errors) = Server.Value;
        var errorsBefore = errors.Count;
        var output = Exchange(server.EndPoints[0], input);
        var responses = ParseResponses(output);
        var expected = ExpectedStatuses(input);
        var statuses = responses.Select(r => r.Status).ToList();
        if (!statuses.SequenceEqual(expected.Statuses))
        {
            Fail($"expected statuses [{string.Join(", ", expected.Statuses)}] but got [{string.Join(", ", statuses)}]");
        }
        if (responses.Count > 0 && responses[^1].Status >= 400 && !responses[^1].Close)
        {
            Fail("an error response without Connection: close");
        }
        if (errors.Count != errorsBefore)
        {
            Fail($"the server logged an error: {errors.Last}");
        }
    }

    private static byte[] Exchange(IPEndPoint endPoint, byte[] input)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.ReceiveTimeout = (int)ConnectionDeadline.TotalMilliseconds;
        socket.SendTimeout = (int)ConnectionDeadline.TotalMilliseconds;
        socket.Connect(endPoint);
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        try
        {
            socket.Send(input);
            socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException exception) when (exception.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            // the server closed early (after an error response): read what it sent
        }
        try
        {
            int read;
            while ((read = socket.Receive(buffer)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.ConnectionReset)
        {
            // closed with our bytes unread: what arrived before counts
        }
        catch (SocketException exception) when (exception.SocketErrorCode == SocketError.TimedOut)
        {
            Fail($"the server neither answered nor closed within {ConnectionDeadline.TotalSeconds} s (after {received.Length} bytes)");
        }
        return received.ToArray();
    }

    private sealed record Response(int Status, bool Close, string? Coding, byte[] Body);

    /// <summary>The responses in <paramref name="output"/>; those to the requests <paramref name="heads"/> marks (HEAD) carry no body.</summary>
    private static List<Response> ParseResponses(byte[] output, IReadOnlyList<bool>? heads = null)
    {
        var responses = new List<Response>();
        var offset = 0;
        while (offset < output.Length)
        {
            var end = output.AsSpan(offset).IndexOf("\r\n\r\n"u8);
            if (end < 0)
            {
                Fail($"{output.Length - offset} stray bytes after {responses.Count} responses");
            }
            var lines = Encoding.Latin1.GetString(output, offset, end).Split("\r\n");
            var status = 0;
            if (!lines[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || lines[0].Length < 12 || !int.TryParse(lines[0].AsSpan(9, 3), out status))
            {
                Fail($"not a status line: '{lines[0]}'");
            }
            offset += end + 4;
            long length = -1;
            var chunked = false;
            var close = false;
            string? coding = null;
            var body = new MemoryStream();
            foreach (var line in lines.Skip(1))
            {
                var colon = line.IndexOf(':');
                if (colon <= 0)
                {
                    Fail($"not a header line: '{line}'");
                }
                var name = line[..colon];
                var value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                {
                    length = long.Parse(value);
                }
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    chunked = true;
                }
                else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase))
                {
                    close = value.Equals("close", StringComparison.OrdinalIgnoreCase);
                }
                else if (name.Equals("Content-Encoding", StringComparison.OrdinalIgnoreCase))
                {
                    coding = value;
                }
            }
            if (status == 100)
            {
                continue; // interim: the final response follows
            }
            if (heads is not null && responses.Count < heads.Count && heads[responses.Count])
            {
                // HEAD: the head says what GET's body would be, and no body follows.
            }
            else if (chunked)
            {
                var decoder = new ChunkedDecoder();
                while (true)
                {
                    var result = decoder.Decode(output.AsSpan(offset), out var consumed, out var data);
                    if (result == ChunkedDecodeStatus.Data)
                    {
                        body.Write(data.Of(output.AsSpan(offset)));
                    }
                    offset += consumed;
                    if (result == ChunkedDecodeStatus.Completed)
                    {
                        break;
                    }
                    if (result != ChunkedDecodeStatus.Data)
                    {
                        Fail($"a chunked response body is {result}");
                    }
                }
            }
            else if (length < 0 && status is not (204 or 304))
            {
                // No length, no chunks: the body runs to the end of the connection (an HTTP/1.0 stream), which must say so.
                if (!close)
                {
                    Fail("a response without Content-Length or chunked coding that does not close the connection");
                }
                offset = output.Length;
            }
            else
            {
                length = Math.Max(length, 0);
                if (offset + length > output.Length)
                {
                    Fail($"a response body of {length} bytes with {output.Length - offset} left");
                }
                body.Write(output, offset, (int)length);
                offset += (int)length;
            }
            responses.Add(new Response(status, close, coding, body.ToArray()));
        }
        return responses;
    }

    /// <summary>What the server must answer, worked out with the parser and decoder alone: the oracle.</summary>
    private static (List<int> Statuses, bool Ends) ExpectedStatuses(byte[] input) => ExpectedStatuses(input, []);

    /// <summary>
    /// As <see cref="ExpectedStatuses(byte[])"/>, noting in <paramref name="heads"/> whether each request whose head is
    /// accepted is a HEAD, and in <paramref name="body"/> whether the last one's body was refused (its status is then
    /// the last expected) or never ended: a server that hands a request to its app before the body is read (the ASP.NET
    /// Core host, as Kestrel) may answer such a request with the app's answer instead. With <paramref name="utf8Values"/>,
    /// the ASP.NET Core host's rule: a head with a field value that is not UTF-8 is refused with 400, and a body whose
    /// trailer values are not is refused as a body (once the app reads it to its end).
    /// </summary>
    private static (List<int> Statuses, bool Ends) ExpectedStatuses(byte[] input, List<bool> heads, BodyNotes? body = null, bool utf8Values = false)
    {
        var statuses = new List<int>();
        var offset = 0;
        var head = new RequestHead();
        while (offset < input.Length)
        {
            head.Reset();
            var status = RequestParser.Parse(input.AsSpan(offset), head, HttpParserLimits.Default);
            if (status == ParseStatus.Incomplete)
            {
                break; // the FIN ends it: nothing answered
            }
            if (status == ParseStatus.Error)
            {
                statuses.Add(head.Error.StatusCode());
                return (statuses, true);
            }
            if (utf8Values && !FieldValuesAreUtf8(head, input.AsSpan(offset, head.HeadLength)))
            {
                statuses.Add(400);
                return (statuses, true);
            }
            offset += head.HeadLength;
            heads.Add(head.Method == RequestMethod.Head);
            if (body is not null)
            {
                (body.Refused, body.Pending) = (false, false);
            }
            if (head.Framing == BodyFraming.ContentLength)
            {
                if (head.ContentLength > MaxBody)
                {
                    statuses.Add(413);
                    body?.Refused = true;
                    return (statuses, true);
                }
                if (offset + head.ContentLength > input.Length)
                {
                    body?.Pending = true;
                    break;
                }
                offset += (int)head.ContentLength;
            }
            else if (head.Framing == BodyFraming.Chunked)
            {
                var decoder = new ChunkedDecoder();
                long total = 0;
                var done = false;
                while (!done)
                {
                    var result = decoder.Decode(input.AsSpan(offset), out var consumed, out var data);
                    offset += consumed;
                    total += result == ChunkedDecodeStatus.Data ? data.Length : 0;
                    if (total > MaxBody)
                    {
                        statuses.Add(413);
                        body?.Refused = true;
                        return (statuses, true);
                    }
                    switch (result)
                    {
                        case ChunkedDecodeStatus.Completed when utf8Values && !System.Text.Unicode.Utf8.IsValid(decoder.Trailers):
                            statuses.Add(400);
                            body?.Refused = true;
                            return (statuses, true);
                        case ChunkedDecodeStatus.Completed:
                            done = true;
                            break;
                        case ChunkedDecodeStatus.Error:
                            statuses.Add(decoder.Error.StatusCode());
                            body?.Refused = true;
                            return (statuses, true);
                        case ChunkedDecodeStatus.NeedMoreData:
                            body?.Pending = true;
                            return (statuses, false); // the body never ended
                    }
                }
            }
            statuses.Add(200);
            if (!head.KeepAlive)
            {
                return (statuses, true);
            }
        }
        return (statuses, false);
    }

    private static bool FieldValuesAreUtf8(RequestHead head, ReadOnlySpan<byte> bytes)
    {
        foreach (var field in head.Headers)
        {
            if (!System.Text.Unicode.Utf8.IsValid(field.Value.Of(bytes)))
            {
                return false;
            }
        }
        return true;
    }

    private const long MaxBody = 64 * 1024;

    /// <summary>What <see cref="ExpectedStatuses(byte[], List{bool}, BodyNotes?)"/> found of the last request's body.</summary>
    private sealed class BodyNotes
    {
        public bool Refused { get; set; }

        public bool Pending { get; set; }
    }

    private static (MicroServer, ErrorCounter) StartServer()
    {
        var options = new MicroServerOptions { ReactorCount = 1, MaxRequestBodySize = MaxBody };
        options.EndPoints.Add(new IPEndPoint(IPAddress.Loopback, 0));
        var errors = new ErrorCounter();
        var logging = new Microsoft.Extensions.Logging.LoggerFactory();
        logging.AddProvider(errors);
        // Every third request by its target's length is answered after an await, every fifth streamed: the
        // pipeline sees synchronous, asynchronous and chunked responses mixed.
        var server = new MicroServer(options, static exchange =>
        {
            var target = exchange.Head.Target.Length;
            if (target % 3 == 0)
            {
                return AnswerLater(exchange);
            }
            if (target % 5 == 0)
            {
                return Stream(exchange);
            }
            exchange.Respond(200, "text/plain"u8, exchange.Body);
            return default;
        }, logging);
        server.Start();
        return (server, errors);
    }

    private static async ValueTask AnswerLater(HttpExchange exchange)
    {
        await Task.Yield();
        exchange.Respond(200, "text/plain"u8, exchange.Body);
    }

    private static async ValueTask Stream(HttpExchange exchange)
    {
        await exchange.WriteAsync("streamed "u8.ToArray());
        await exchange.WriteAsync(exchange.BodyMemory);
    }

    /// <summary>Counts what the server logs at Error or above.</summary>
    private sealed class ErrorCounter : Microsoft.Extensions.Logging.ILoggerProvider, Microsoft.Extensions.Logging.ILogger
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public string? Last { get; private set; }

        public Microsoft.Extensions.Logging.ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Error;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                Last = $"{formatter(state, exception)} {exception}";
                Interlocked.Increment(ref _count);
            }
        }

        public void Dispose()
        {
        }
    }
}
