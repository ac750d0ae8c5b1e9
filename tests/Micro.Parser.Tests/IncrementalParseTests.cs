using static Micro.Parser.Tests.Http;

namespace Micro.Parser.Tests;

public sealed class IncrementalParseTests
{
    public static TheoryData<int> RequestIndexes()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < ValidRequests.All.Length; i++)
        {
            data.Add(i);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RequestIndexes))]
    public void A_request_split_at_any_byte_parses_the_same_as_whole(int index)
    {
        var bytes = Bytes(ValidRequests.All[index]);
        var whole = Parse(bytes);
        Assert.Equal(ParseStatus.Complete, whole.Status);
        Assert.Equal(bytes.Length, whole.HeadLength);

        for (var split = 0; split < bytes.Length; split++)
        {
            var head = new RequestHead();
            Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes.AsSpan(0, split), head, HttpParserLimits.Default));
            var status = RequestParser.Parse(bytes, head, HttpParserLimits.Default);
            Assert.Equal(whole, HeadSnapshot.Of(status, head, bytes));
        }
    }

    [Theory]
    [MemberData(nameof(RequestIndexes))]
    public void A_request_fed_one_byte_at_a_time_parses_the_same_as_whole(int index)
    {
        var bytes = Bytes(ValidRequests.All[index]);
        var whole = Parse(bytes);
        var head = new RequestHead();
        for (var length = 1; length < bytes.Length; length++)
        {
            Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes.AsSpan(0, length), head, HttpParserLimits.Default));
            Assert.Equal(length, head.Scan.ScannedTo);
        }
        var status = RequestParser.Parse(bytes, head, HttpParserLimits.Default);
        Assert.Equal(whole, HeadSnapshot.Of(status, head, bytes));
    }

    [Fact]
    public void A_reparse_scans_only_the_bytes_that_arrived_since()
    {
        var bytes = Bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + new string('v', 1000));
        var head = new RequestHead();
        Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes.AsSpan(0, 500), head, HttpParserLimits.Default));
        Assert.Equal(500, head.Scan.ScannedTo);
        Assert.Equal(25, head.Scan.LineStart);
        Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes, head, HttpParserLimits.Default));
        Assert.Equal(bytes.Length, head.Scan.ScannedTo);
    }

    [Fact]
    public void Errors_in_complete_lines_are_found_before_the_head_ends()
    {
        Assert.Equal(ParseError.InvalidVersion, ErrorOf("GET / HTTX/1.1\r\nHost: a\r\n"));
        var head = new RequestHead();
        var bytes = Bytes("GET / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\nMore: ");
        Assert.Equal(ParseStatus.Error, RequestParser.Parse(bytes, head, HttpParserLimits.Default));
        Assert.Equal(ParseError.WhitespaceBeforeColon, head.Error);
    }

    [Fact]
    public void An_invalid_request_line_is_refused_as_soon_as_it_ends_on_a_later_call()
    {
        var bytes = Bytes("GET /a b HTTP/1.1\r\n");
        var head = new RequestHead();
        Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes.AsSpan(0, 5), head, HttpParserLimits.Default));
        Assert.Equal(ParseStatus.Error, RequestParser.Parse(bytes, head, HttpParserLimits.Default));
        Assert.Equal(ParseError.InvalidVersion, head.Error);
    }

    [Fact]
    public void A_bare_line_feed_is_refused_on_a_later_call_too()
    {
        var bytes = Bytes("GET / HTTP/1.1\r\nHost: a\nX: y\r\n");
        var head = new RequestHead();
        Assert.Equal(ParseStatus.Incomplete, RequestParser.Parse(bytes.AsSpan(0, 20), head, HttpParserLimits.Default));
        Assert.Equal(ParseStatus.Error, RequestParser.Parse(bytes, head, HttpParserLimits.Default));
        Assert.Equal(ParseError.BareLineFeed, head.Error);
    }

    [Fact]
    public void Pipelined_requests_are_parsed_one_after_another_from_one_buffer()
    {
        var one = ValidRequests.TechEmpowerPlaintext;
        var bytes = Bytes(string.Concat(Enumerable.Repeat(one, 16)) + "GET /partial HTTP/1.1\r\nHo");
        var head = new RequestHead();
        var offset = 0;
        var parsed = 0;
        while (true)
        {
            head.Reset();
            var status = RequestParser.Parse(bytes.AsSpan(offset), head, HttpParserLimits.Default);
            if (status != ParseStatus.Complete)
            {
                Assert.Equal(ParseStatus.Incomplete, status);
                break;
            }
            Assert.Equal("/plaintext", Text(head.Path.Of(bytes.AsSpan(offset))));
            offset += head.HeadLength;
            parsed++;
        }
        Assert.Equal(16, parsed);
        Assert.Equal(one.Length * 16, offset);
    }

    [Fact]
    public void A_head_is_reusable_after_reset()
    {
        var head = new RequestHead();
        var first = Bytes("POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nConnection: close\r\n\r\n");
        var second = Bytes("GET /b HTTP/1.0\r\n\r\n");
        Assert.Equal(ParseStatus.Complete, RequestParser.Parse(first, head, HttpParserLimits.Default));
        head.Reset();
        var status = RequestParser.Parse(second, head, HttpParserLimits.Default);
        Assert.Equal(Parse(second), HeadSnapshot.Of(status, head, second));
    }
}
