using System.Text;
using static Micro.Parser.Tests.Http;

namespace Micro.Parser.Tests;

public sealed class HeaderFieldTests
{
    [Fact]
    public void Values_are_trimmed_of_surrounding_whitespace_and_keep_inner_whitespace()
    {
        var head = Complete("GET / HTTP/1.1\r\nHost: a\r\nX-A:   one  two \t \r\nX-B:\tx\ty\r\nX-Empty:\r\nX-Spaces:    \r\n\r\n");
        Assert.Equal("Host: a\nX-A: one  two\nX-B: x\ty\nX-Empty: \nX-Spaces: \n", head.Headers);
    }

    [Fact]
    public void Obs_text_is_allowed_in_values()
    {
        var head = Complete("GET / HTTP/1.1\r\nHost: a\r\nX-Name: caf\u00e9 \u00ff\r\n\r\n");
        Assert.Contains("X-Name: caf\u00e9 \u00ff", head.Headers);
    }

    [Theory]
    [InlineData("Foo : bar", ParseError.WhitespaceBeforeColon)]
    [InlineData("Foo\t: bar", ParseError.WhitespaceBeforeColon)]
    [InlineData(" Foo: bar", ParseError.ObsoleteLineFolding)]
    [InlineData(": bar", ParseError.InvalidHeaderName)]
    [InlineData("Fo@o: bar", ParseError.InvalidHeaderName)]
    [InlineData("Fo\u0000o: bar", ParseError.InvalidHeaderName)]
    [InlineData("F\u00e9o: bar", ParseError.InvalidHeaderName)]
    [InlineData("Foo", ParseError.InvalidHeaderName)]
    [InlineData("Foo: a\u0000b", ParseError.InvalidHeaderValue)]
    [InlineData("Foo: a\u0001b", ParseError.InvalidHeaderValue)]
    [InlineData("Foo: a\u001fb", ParseError.InvalidHeaderValue)]
    [InlineData("Foo: a\u007fb", ParseError.InvalidHeaderValue)]
    [InlineData("Foo: a\rb", ParseError.BareCarriageReturn)]
    [InlineData("Foo: a\nb", ParseError.BareLineFeed)]
    public void Malformed_header_lines_are_refused_with_the_reason(string line, ParseError expected)
    {
        Assert.Equal(expected, ErrorOf($"GET / HTTP/1.1\r\nHost: a\r\n{line}\r\n\r\n"));
    }

    [Fact]
    public void Folded_continuation_lines_are_refused()
    {
        Assert.Equal(ParseError.ObsoleteLineFolding, ErrorOf("GET / HTTP/1.1\r\nHost: a\r\nX: one\r\n\ttwo\r\n\r\n"));
    }

    [Fact]
    public void A_head_ending_in_bare_line_feeds_is_refused()
    {
        Assert.Equal(ParseError.BareLineFeed, ErrorOf("GET / HTTP/1.1\r\nHost: a\n\n"));
        Assert.Equal(ParseError.BareLineFeed, ErrorOf("GET / HTTP/1.1\r\nHost: a\r\n\n"));
    }

    [Fact]
    public void Header_count_at_the_limit_is_accepted_and_one_more_gets_431()
    {
        var limits = new HttpParserLimits { MaxHeaderCount = 5 };
        var four = string.Concat(Enumerable.Range(0, 4).Select(i => $"X-{i}: v\r\n"));
        Complete($"GET / HTTP/1.1\r\nHost: a\r\n{four}\r\n", limits);
        var error = ErrorOf($"GET / HTTP/1.1\r\nHost: a\r\n{four}X-4: v\r\n\r\n", limits);
        Assert.Equal(ParseError.TooManyHeaders, error);
        Assert.Equal(431, error.StatusCode());
    }

    [Fact]
    public void Header_bytes_at_the_limit_are_accepted_and_one_more_gets_431()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        var host = "Host: a\r\n";
        var filler = "X: " + new string('v', 64 - host.Length - "X: \r\n".Length) + "\r\n";
        Assert.Equal(64, (host + filler).Length);
        Complete($"GET / HTTP/1.1\r\n{host}{filler}\r\n", limits);
        var error = ErrorOf($"GET / HTTP/1.1\r\n{host}X{filler}\r\n", limits);
        Assert.Equal(ParseError.HeaderSectionTooLarge, error);
        Assert.Equal(431, error.StatusCode());
    }

    [Fact]
    public void An_unfinished_header_section_past_the_limit_gets_431_before_it_ends()
    {
        var limits = new HttpParserLimits { MaxHeaderBytes = 64 };
        Assert.Equal(ParseError.HeaderSectionTooLarge, ErrorOf("GET / HTTP/1.1\r\nHost: a\r\nX: " + new string('v', 100), limits));
        Assert.Equal(ParseError.TooManyHeaders, ErrorOf("GET / HTTP/1.1\r\n" + string.Concat(Enumerable.Repeat("A: b\r\n", 101))));
    }

    [Fact]
    public void Any_header_is_found_by_name_in_any_case_without_allocating_a_string()
    {
        var buffer = Bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Request-Id: 42\r\nAccept: */*\r\n\r\n");
        var head = ParsedHead(buffer);

        Assert.True(head.TryGetHeader(buffer, "x-request-id"u8, out var id));
        Assert.Equal("42", Text(buffer, id));
        Assert.True(head.TryGetHeader(buffer, "ACCEPT", out var accept));
        Assert.Equal("*/*", Text(buffer, accept));
        Assert.False(head.TryGetHeader(buffer, "X-Request", out _));
        Assert.False(head.TryGetHeader(buffer, "Cookie"u8, out _));
    }

    [Fact]
    public void Names_of_one_length_are_told_apart_whatever_byte_they_begin_with()
    {
        // The lookup folds the first byte before comparing whole names: folding must never hide a match or make one.
        var buffer = Bytes("GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1\r\nAccept-Encoding: 2\r\n1-Digit: 3\r\n^tag: 4\r\n\r\n");
        var head = ParsedHead(buffer);

        Assert.True(head.TryGetHeader(buffer, "accept-ENCODING"u8, out var encoding));
        Assert.Equal("2", Text(buffer, encoding));
        Assert.True(head.TryGetHeader(buffer, "x-forwarded-for", out var forwarded));
        Assert.Equal("1", Text(buffer, forwarded));
        Assert.True(head.TryGetHeader(buffer, "1-DIGIT"u8, out var digit));
        Assert.Equal("3", Text(buffer, digit));
        Assert.True(head.TryGetHeader(buffer, "^TAG"u8, out var tag));
        Assert.Equal("4", Text(buffer, tag));
        Assert.False(head.TryGetHeader(buffer, "~tag"u8, out _)); // '~' folds like '^' (both may begin a name), and is still another one
        Assert.False(head.TryGetHeader(buffer, "Accept-Encodinh"u8, out _));
        Assert.False(head.TryGetHeader(buffer, ""u8, out _));
    }

    [Fact]
    public void A_name_given_as_a_string_is_found_as_its_bytes_whatever_its_length_and_one_not_ascii_never()
    {
        var longName = "X-" + new string('n', 200);
        var buffer = Bytes($"GET / HTTP/1.1\r\nHost: a\r\nAccept: 1\r\n{longName}: 2\r\n\r\n");
        var head = ParsedHead(buffer);

        Assert.True(head.TryGetHeader(buffer, longName.ToUpperInvariant(), out var found)); // longer than the stack buffer (64 bytes)
        Assert.Equal("2", Text(buffer, found));
        Assert.False(head.TryGetHeader(buffer, "Acc\u00e9pt", out _)); // one letter not ASCII: no token is named so
        Assert.False(head.TryGetHeader(buffer, "", out _));
    }

    [Fact]
    public void A_parsed_copy_keeps_every_result_with_a_header_table_only_as_large_as_the_request()
    {
        var buffer = Bytes("GET /rooms/7?name=ana HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        var head = ParsedHead(buffer);
        var copy = head.CopyParsed();
        head.Reset(); // the original is reused for the next request: the copy must not change with it
        Assert.Equal(RequestMethod.Get, copy.Method);
        Assert.Equal("/rooms/7", Text(buffer, copy.Path));
        Assert.Equal("name=ana", Text(buffer, copy.Query));
        Assert.True(copy.HasQuery && copy.HasHost && copy.KeepAlive && copy.ConnectionUpgrade);
        Assert.Equal("chat", Text(buffer, copy.Host));
        Assert.Equal(ProtocolVersion.Http11, copy.Version);
        Assert.Equal(buffer.Length, copy.HeadLength);
        Assert.Equal(["Host", "Upgrade", "Connection"], copy.Headers.ToArray().Select(header => Text(buffer, header.Name)));
        Assert.True(copy.TryGetHeader(buffer, "upgrade"u8, out var upgrade));
        Assert.Equal("websocket", Text(buffer, upgrade));
        var table = typeof(RequestHead).GetField("_headers", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        Assert.Equal(3, ((HeaderField[])table.GetValue(copy)!).Length); // not the 16 a parsing head starts with
    }

    [Fact]
    public void Many_headers_grow_the_table_and_keep_their_order()
    {
        var lines = string.Concat(Enumerable.Range(0, 60).Select(i => $"X-{i}: {i}\r\n"));
        var head = Complete($"GET / HTTP/1.1\r\nHost: a\r\n{lines}\r\n");
        var expected = new StringBuilder("Host: a\n");
        for (var i = 0; i < 60; i++)
        {
            expected.Append($"X-{i}: {i}\n");
        }
        Assert.Equal(expected.ToString(), head.Headers);
    }
}

public sealed class HeaderLineBoundaryTests
{
    [Fact]
    public void Names_and_values_of_every_length_around_one_vector_parse_exactly()
    {
        for (var nameLength = 1; nameLength <= 40; nameLength++)
        {
            for (var valueLength = 0; valueLength <= 40; valueLength++)
            {
                foreach (var nameChar in new[] { 'n', '_' })
                {
                    var name = new string(nameChar, nameLength);
                    var value = new string('v', valueLength);
                    var head = Http.Complete($"GET / HTTP/1.1\r\n{name}: {value}\r\nHost: a\r\n\r\n");
                    Assert.Equal($"{name}: {value}\nHost: a\n", head.Headers);
                }
            }
        }
    }

    [Fact]
    public void A_control_byte_anywhere_in_a_value_is_refused_on_either_side_of_one_vector()
    {
        for (var at = 0; at < 60; at++)
        {
            var value = new string('v', at) + "\u0001" + new string('v', 10);
            Assert.Equal(ParseError.InvalidHeaderValue, Http.ErrorOf($"GET / HTTP/1.1\r\nHost: a\r\nX-Name: {value}\r\n\r\n"));
            var bareLf = new string('v', at) + "\n" + new string('v', 10);
            Assert.Equal(ParseError.BareLineFeed, Http.ErrorOf($"GET / HTTP/1.1\r\nHost: a\r\nX-Name: {bareLf}\r\n\r\n"));
        }
    }

    [Fact]
    public void A_colon_inside_a_value_does_not_end_the_name()
    {
        var head = Http.Complete("GET / HTTP/1.1\r\nHost: a:80\r\nX-Time: 12:30:45\r\n\r\n");
        Assert.Equal("Host: a:80\nX-Time: 12:30:45\n", head.Headers);
    }
}
