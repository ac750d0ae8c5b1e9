using Micro.Parser;

namespace Micro.Tests.Http;

/// <summary>Every way the parser refuses a request, sent over a real socket: the status it names, then a closed connection.</summary>
public sealed class EveryParseErrorTests
{
    private static readonly string Long = new('a', 9000);

    public static readonly (ParseError Error, string Request)[] Cases =
    [
        (ParseError.InvalidMethod, "GE(T / HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.InvalidRequestTarget, "GET /a#b HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.InvalidRequestTarget, "GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.InvalidRequestTarget, "GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.InvalidVersion, "GET / HTTX/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.UnsupportedVersion, "GET / HTTP/1.2\r\nHost: x\r\n\r\n"),
        (ParseError.RequestLineTooLong, $"GET /{Long} HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.TooManyEmptyLines, string.Concat(Enumerable.Repeat("\r\n", 4200)) + "GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        (ParseError.BareLineFeed, "GET / HTTP/1.1\nHost: x\n\n"),
        (ParseError.BareCarriageReturn, "GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n"),
        (ParseError.InvalidHeaderName, "GET / HTTP/1.1\r\nHost: x\r\nBad@Name: y\r\n\r\n"),
        (ParseError.WhitespaceBeforeColon, "GET / HTTP/1.1\r\nHost : x\r\n\r\n"),
        (ParseError.ObsoleteLineFolding, "GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n\tb\r\n\r\n"),
        (ParseError.InvalidHeaderValue, "GET / HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n"),
        (ParseError.HeaderSectionTooLarge, $"GET / HTTP/1.1\r\nHost: x\r\nX: {new string('v', 33_000)}\r\n\r\n"),
        (ParseError.TooManyHeaders, "GET / HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n")) + "\r\n"),
        (ParseError.MissingHost, "GET / HTTP/1.1\r\n\r\n"),
        (ParseError.MultipleHost, "GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
        (ParseError.InvalidHost, "GET / HTTP/1.1\r\nHost: x/y\r\n\r\n"),
        (ParseError.InvalidContentLength, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"),
        (ParseError.InvalidContentLength, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n"),
        (ParseError.ConflictingContentLength, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        (ParseError.ContentLengthWithTransferEncoding, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        (ParseError.ChunkedNotFinal, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n"),
        (ParseError.ChunkedAppliedTwice, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
        (ParseError.InvalidTransferEncoding, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \"chunked\"\r\n\r\n"),
        (ParseError.UnsupportedTransferCoding, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
        (ParseError.TransferEncodingInHttp10, "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
        (ParseError.UnsupportedExpectation, "POST / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\na"),
        (ParseError.InvalidChunkSize, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        (ParseError.InvalidChunkExtension, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;a\u0001\r\nx\r\n0\r\n\r\n"),
        (ParseError.ChunkExtensionTooLong, $"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1;{new string('e', 5000)}\r\nx\r\n0\r\n\r\n"),
        (ParseError.MissingChunkTerminator, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n"),
        (ParseError.InvalidTrailer, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: y\r\n\r\n"),
        (ParseError.TrailerSectionTooLarge, $"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: {new string('v', 33_000)}\r\n\r\n"),
    ];

    public static TheoryData<int> Indexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Cases.Length; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Fact]
    public void The_cases_cover_every_error_the_parser_can_name()
    {
        var covered = Cases.Select(c => c.Error).ToHashSet();
        var missing = Enum.GetValues<ParseError>().Where(e => e != ParseError.None && !covered.Contains(e)).ToArray();
        Assert.True(missing.Length == 0, "no end-to-end case for: " + string.Join(", ", missing));
    }

    [Theory]
    [MemberData(nameof(Indexes))]
    public async Task Each_refused_request_gets_the_status_its_error_names_and_a_closed_connection(int index)
    {
        var (error, request) = Cases[index];
        await using var server = new TestServer(exchange =>
        {
            exchange.Respond(200, "text/plain"u8, "should not be reached"u8);
            return default;
        });
        var text = await server.SendAndReadToEndAsync("GET /first HTTP/1.1\r\nHost: x\r\n\r\n" + request);
        var responses = RawResponse.ParseAll(Encoding.Latin1.GetBytes(text), out var consumed);
        Assert.Equal(text.Length, consumed);
        Assert.Equal(2, responses.Count);
        Assert.Equal(200, responses[0].Status);
        Assert.Equal(error.StatusCode(), responses[1].Status);
        Assert.Equal("close", responses[1].Headers["Connection"]);
    }
}
