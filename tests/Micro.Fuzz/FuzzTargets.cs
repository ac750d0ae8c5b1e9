using Micro.Parser;
using Micro.Routing;

namespace Micro.Fuzz;

/// <summary>
/// What each fuzz target does with an input, and the invariants it checks. An exception out of <see cref="Run"/> is a
/// finding: either one the code under test threw where it must not, or a <see cref="FuzzInvariantException"/>.
/// </summary>
internal static partial class FuzzTargets
{
    public static readonly string[] Names = ["parser", "chunked", "multipart", "route", "connection", "app"];

    public static void Run(string target, byte[] input)
    {
        switch (target)
        {
            case "parser": Parser(input); break;
            case "chunked": Chunked(input); break;
            case "multipart": Multipart(input); break;
            case "route": Route(input); break;
            case "connection": Connection(input); break;
            case "app": AppConnection(input); break;
            default: throw new ArgumentException($"no fuzz target '{target}'");
        }
    }

    /// <summary>
    /// The request parser, whole and split in two at a point the input chooses: never throws, reports an error with
    /// one of its statuses, gives ranges inside the input, and says the same split or not.
    /// </summary>
    private static void Parser(byte[] input)
    {
        var whole = new RequestHead();
        var status = RequestParser.Parse(input, whole, HttpParserLimits.Default);
        Check(whole, status, input.Length);

        var split = input.Length == 0 ? 0 : input[0] % (input.Length + 1);
        var pieces = new RequestHead();
        var first = RequestParser.Parse(input.AsSpan(0, split), pieces, HttpParserLimits.Default);
        if (first != ParseStatus.Incomplete)
        {
            if (status == ParseStatus.Incomplete || first == ParseStatus.Complete && (status != ParseStatus.Complete || pieces.HeadLength != whole.HeadLength))
            {
                Fail($"a prefix of {split} bytes parsed as {first} where the whole input is {status}");
            }
            return;
        }
        var again = RequestParser.Parse(input, pieces, HttpParserLimits.Default);
        Check(pieces, again, input.Length);
        if (again == ParseStatus.Complete || status == ParseStatus.Complete)
        {
            // What decides framing must not depend on how the bytes arrived (request smuggling).
            if (again != status || pieces.HeadLength != whole.HeadLength || pieces.Framing != whole.Framing
                || pieces.ContentLength != whole.ContentLength || pieces.KeepAlive != whole.KeepAlive || pieces.Method != whole.Method)
            {
                Fail($"split at {split}: {again} (head {pieces.HeadLength}, {pieces.Framing} {pieces.ContentLength}) but whole: {status} (head {whole.HeadLength}, {whole.Framing} {whole.ContentLength})");
            }
            return;
        }
        if (again == ParseStatus.Error && status == ParseStatus.Incomplete)
        {
            Fail($"split at {split}: {pieces.Error} where the whole input, parsed at once, is incomplete");
        }
        if (again == ParseStatus.Incomplete && status == ParseStatus.Error)
        {
            // A fresh parse may reject a head before it ends; a resumed one only looks for the end first. Either way,
            // once the head ends, it is refused.
            var ended = input.Concat("\r\n\r\n"u8.ToArray()).ToArray();
            if (RequestParser.Parse(ended, pieces, HttpParserLimits.Default) != ParseStatus.Error)
            {
                Fail($"split at {split}: the head that a fresh parse rejects ({whole.Error}) is accepted once it ends");
            }
        }
    }

    private static void Check(RequestHead head, ParseStatus status, int length)
    {
        if (status == ParseStatus.Error && head.Error.StatusCode() is not (400 or 413 or 414 or 417 or 431 or 501 or 505))
        {
            Fail($"error {head.Error} maps to status {head.Error.StatusCode()}");
        }
        if (status != ParseStatus.Complete)
        {
            return;
        }
        if (head.HeadLength <= 0 || head.HeadLength > length)
        {
            Fail($"head length {head.HeadLength} of {length} bytes");
        }
        InRange(head.MethodRange, head.HeadLength, "method");
        InRange(head.Target, head.HeadLength, "target");
        InRange(head.Path, head.HeadLength, "path");
        InRange(head.Query, head.HeadLength, "query");
        foreach (var header in head.Headers)
        {
            InRange(header.Name, head.HeadLength, "header name");
            InRange(header.Value, head.HeadLength, "header value");
        }
        if (head.Framing == BodyFraming.ContentLength && head.ContentLength < 0)
        {
            Fail($"Content-Length {head.ContentLength}");
        }
    }

    private static void InRange(ByteRange range, int length, string what)
    {
        if (range.Offset < 0 || range.Length < 0 || range.End > length)
        {
            Fail($"{what} range {range} outside {length} bytes");
        }
    }

    /// <summary>The chunked decoder fed in pieces the input chooses: never throws, consumes what it was given at most, returns data inside it, and decodes the same however it is split.</summary>
    private static void Chunked(byte[] input)
    {
        var whole = Decode(input, input.Length == 0 ? 1 : Math.Max(1, input.Length));
        var step = input.Length == 0 ? 1 : 1 + input[^1] % 7;
        var pieces = Decode(input, step);
        if (whole.Status != pieces.Status || !whole.Data.SequenceEqual(pieces.Data))
        {
            Fail($"fed whole: {whole.Status} with {whole.Data.Count} bytes; fed {step} at a time: {pieces.Status} with {pieces.Data.Count} bytes");
        }
    }

    private static (ChunkedDecodeStatus Status, List<byte> Data) Decode(byte[] input, int step)
    {
        var decoder = new ChunkedDecoder(HttpParserLimits.Default);
        var data = new List<byte>();
        var offset = 0;
        var end = Math.Min(step, input.Length);
        while (true)
        {
            var available = input.AsSpan(offset, end - offset);
            var status = decoder.Decode(available, out var consumed, out var range);
            if (consumed < 0 || consumed > available.Length)
            {
                Fail($"consumed {consumed} of {available.Length}");
            }
            if (status == ChunkedDecodeStatus.Data)
            {
                InRange(range, consumed, "chunk data");
                data.AddRange(available.Slice(range.Offset, range.Length));
            }
            offset += consumed;
            switch (status)
            {
                case ChunkedDecodeStatus.Completed:
                case ChunkedDecodeStatus.Error:
                    return (status, data);
                case ChunkedDecodeStatus.NeedMoreData:
                    if (consumed != available.Length)
                    {
                        Fail($"NeedMoreData after consuming {consumed} of {available.Length} bytes");
                    }
                    if (end == input.Length)
                    {
                        return (status, data);
                    }
                    end = Math.Min(end + step, input.Length);
                    break;
            }
        }
    }

    /// <summary>The route matcher over a fixed table: never throws, captures lie inside the path, a match names a registered route.</summary>
    private static void Route(byte[] input)
    {
        var table = RouteTable.Value;
        var methodLength = input.Length == 0 ? 0 : Math.Min(input[0] % 8, input.Length - 1);
        var method = input.AsSpan(Math.Min(1, input.Length), methodLength);
        var path = input.AsSpan(Math.Min(1 + methodLength, input.Length));
        Span<ByteRange> captures = stackalloc ByteRange[table.MaxCaptures];
        var match = table.Match(method, path, captures);
        if (match.Status == RouteMatchStatus.Found)
        {
            if (match.Handler is null || !Patterns.Contains(match.Handler))
            {
                Fail("found a handler that was never added");
            }
            for (var i = 0; i < match.CaptureCount; i++)
            {
                InRange(captures[i], path.Length, "capture");
            }
        }
    }

    private static readonly string[] Patterns =
    [
        "/", "/users", "/users/:id", "/users/:id/posts/:post?", "/files/*path", "/static/*", "/a/b/c/d/e",
        "/api/v1/items/:item/children", "/api/:version/status", "/:any/fixed", "/json", "/plaintext", "/any/:thing",
    ];

    private static readonly Lazy<RouteTable<string>> RouteTable = new(() =>
    {
        var table = new RouteTable<string>();
        foreach (var pattern in Patterns)
        {
            table.Add("GET", pattern, pattern);
            table.Add("POST", pattern, pattern);
        }
        table.Add("*", "/any/:thing", "/any/:thing"); // every method
        return table;
    });

    private static void Fail(string message) => throw new FuzzInvariantException(message);
}

/// <summary>An invariant the fuzzed code broke: a finding, reported to afl-fuzz as a crash.</summary>
internal sealed class FuzzInvariantException(string message) : Exception(message);
