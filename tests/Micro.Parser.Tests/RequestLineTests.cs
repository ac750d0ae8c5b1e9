using static Micro.Parser.Tests.Http;

namespace Micro.Parser.Tests;

public sealed class RequestLineTests
{
    [Theory]
    [InlineData("GET", RequestMethod.Get)]
    [InlineData("HEAD", RequestMethod.Head)]
    [InlineData("POST", RequestMethod.Post)]
    [InlineData("PUT", RequestMethod.Put)]
    [InlineData("DELETE", RequestMethod.Delete)]
    [InlineData("PATCH", RequestMethod.Patch)]
    [InlineData("OPTIONS", RequestMethod.Options)]
    [InlineData("TRACE", RequestMethod.Trace)]
    [InlineData("PROPFIND", RequestMethod.Extension)]
    [InlineData("M-SEARCH", RequestMethod.Extension)]
    [InlineData("get", RequestMethod.Extension)]
    public void Method_tokens_are_recognised_case_sensitively(string method, RequestMethod expected)
    {
        var head = Complete($"{method} /x HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(expected, head.Method);
        Assert.Equal(method, head.MethodText);
    }

    [Theory]
    [InlineData("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidMethod)]
    [InlineData(" GET / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidMethod)]
    [InlineData("GET\t/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidMethod)]
    [InlineData("\u0016\u0003\u0001\u0002\u0000", ParseError.InvalidMethod)]
    [InlineData("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", ParseError.InvalidVersion)]
    [InlineData("GET / http/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidVersion)]
    [InlineData("GET / HTTP/11\r\nHost: a\r\n\r\n", ParseError.InvalidVersion)]
    [InlineData("GET /\r\n\r\n", ParseError.InvalidVersion)]
    [InlineData("GET / HTTP/2.0\r\nHost: a\r\n\r\n", ParseError.UnsupportedVersion)]
    [InlineData("GET / HTTP/1.2\r\nHost: a\r\n\r\n", ParseError.UnsupportedVersion)]
    [InlineData("GET / HTTP/0.9\r\nHost: a\r\n\r\n", ParseError.UnsupportedVersion)]
    [InlineData("GET / HTTP/1.1\nHost: a\r\n\r\n", ParseError.BareLineFeed)]
    [InlineData("GET / HTTP/1.1\rHost: a\r\n\r\n", ParseError.BareCarriageReturn)]
    [InlineData("GET /a\u0001b HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET /caf\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET /a\u007fb HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET /a?q#frag HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET * HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("CONNECT /a HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("CONNECT host HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("CONNECT host: HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("CONNECT :443 HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("CONNECT host:https HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http:///a HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http://user@a/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http://a:xx/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http://[zz]/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET /a%00b HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http://a/%00?x HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET 1http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET noscheme HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http:/a/b HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET HTTPS:a HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET urn:isbn:123 HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("GET http://exa#mple/ HTTP/1.1\r\nHost: a\r\n\r\n", ParseError.InvalidRequestTarget)]
    [InlineData("\r\r\n", ParseError.BareCarriageReturn)]
    public void Malformed_request_lines_are_refused_with_the_reason(string request, ParseError expected)
    {
        Assert.Equal(expected, ErrorOf(request));
    }

    [Fact]
    public void Origin_form_splits_path_and_query()
    {
        var head = Complete("GET /users/42?sort=asc&x=%20 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(RequestTargetForm.Origin, head.Form);
        Assert.Equal("/users/42?sort=asc&x=%20", head.Target);
        Assert.Equal("/users/42", head.Path);
        Assert.Equal("sort=asc&x=%20", head.Query);
        Assert.True(head.HasQuery);
        Assert.Equal(ProtocolVersion.Http11, head.Version);
    }

    [Fact]
    public void A_nul_escape_is_refused_in_the_path_and_kept_in_the_query()
    {
        var head = Complete("GET /a%01?q=%00 HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(("/a%01", "q=%00"), (head.Path, head.Query));
    }

    [Fact]
    public void An_empty_query_is_distinguished_from_no_query()
    {
        Assert.True(Complete("GET /a? HTTP/1.1\r\nHost: a\r\n\r\n").HasQuery);
        Assert.False(Complete("GET /a HTTP/1.1\r\nHost: a\r\n\r\n").HasQuery);
    }

    [Theory]
    [InlineData("http://example.com/p/q?x=1", "/p/q", "x=1")]
    [InlineData("http://example.com", "", "")]
    [InlineData("http://example.com?x", "", "x")]
    [InlineData("HTTPS://example.com:8443/", "/", "")]
    public void Absolute_form_yields_the_path_after_the_authority(string target, string path, string query)
    {
        var head = Complete($"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(RequestTargetForm.Absolute, head.Form);
        Assert.Equal(target, head.Target);
        Assert.Equal(path, head.Path);
        Assert.Equal(query, head.Query);
    }

    [Theory]
    [InlineData("GET http://b/ HTTP/1.1\r\nHost: a\r\n\r\n", "b")]
    [InlineData("GET https://[::1]:8443?x HTTP/1.1\r\nHost: a\r\n\r\n", "[::1]:8443")]
    [InlineData("GET http://b:80/p HTTP/1.0\r\n\r\n", "b:80")]
    public void An_absolute_form_targets_authority_is_the_host_whatever_the_host_line_says(string request, string host)
    {
        Assert.Equal(host, Complete(request).Host); // RFC 9112 section 3.2.2: the origin server ignores Host then
    }

    [Fact]
    public void An_absolute_form_request_still_needs_one_valid_host_line()
    {
        Assert.Equal(ParseError.MissingHost, ErrorOf("GET http://b/ HTTP/1.1\r\n\r\n"));
        Assert.Equal(ParseError.InvalidHost, ErrorOf("GET http://b/ HTTP/1.1\r\nHost: a:x\r\n\r\n"));
        Assert.Equal(ParseError.MultipleHost, ErrorOf("GET http://b/ HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    }

    [Fact]
    public void Authority_form_is_accepted_for_connect_and_asterisk_form_for_options()
    {
        Assert.Equal(RequestTargetForm.Authority, Complete("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n").Form);
        Assert.Equal(RequestTargetForm.Asterisk, Complete("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").Form);
    }

    [Fact]
    public void Http10_is_parsed()
    {
        var head = Complete("GET / HTTP/1.0\r\n\r\n");
        Assert.Equal(ProtocolVersion.Http10, head.Version);
        Assert.False(head.KeepAlive);
    }

    [Fact]
    public void Empty_lines_before_the_request_line_are_skipped_and_counted_in_the_head()
    {
        var head = Complete("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal("GET", head.MethodText);
        Assert.Equal(4 + 27, head.HeadLength);
    }

    [Fact]
    public void Empty_lines_beyond_the_request_line_limit_are_refused()
    {
        var limits = new HttpParserLimits { MaxRequestLineLength = 64 };
        Assert.Equal(ParseError.TooManyEmptyLines, ErrorOf(string.Concat(Enumerable.Repeat("\r\n", 40)) + "GET / HTTP/1.1\r\n", limits));
    }

    [Fact]
    public void Request_line_at_the_limit_is_accepted_and_one_byte_longer_gets_414()
    {
        var limits = new HttpParserLimits { MaxRequestLineLength = 64 };
        var atLimit = "/" + new string('a', 64 - "GET  HTTP/1.1\r\n".Length - 1);
        Assert.Equal(64, $"GET {atLimit} HTTP/1.1\r\n".Length);
        Complete($"GET {atLimit} HTTP/1.1\r\nHost: a\r\n\r\n", limits);
        var error = ErrorOf($"GET {atLimit}b HTTP/1.1\r\nHost: a\r\n\r\n", limits);
        Assert.Equal(ParseError.RequestLineTooLong, error);
        Assert.Equal(414, error.StatusCode());
    }

    [Fact]
    public void A_request_line_past_the_limit_gets_414_before_it_ends()
    {
        var limits = new HttpParserLimits { MaxRequestLineLength = 64 };
        Assert.Equal(ParseStatus.Incomplete, Parse("GET /" + new string('a', 59), limits).Status);
        Assert.Equal(ParseError.RequestLineTooLong, ErrorOf("GET /" + new string('a', 60), limits));
    }
}
