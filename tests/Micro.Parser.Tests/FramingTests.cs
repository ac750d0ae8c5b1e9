using static Micro.Parser.Tests.Http;

namespace Micro.Parser.Tests;

public sealed class FramingTests
{
    private static HeadSnapshot With(string headers, string version = "HTTP/1.1") =>
        Parse($"POST /upload {version}\r\nHost: a\r\n{headers}\r\n");

    [Fact]
    public void A_request_without_framing_headers_has_no_body()
    {
        var head = Complete("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(BodyFraming.None, head.Framing);
        Assert.Equal(0, head.ContentLength);
    }

    [Theory]
    [InlineData("Content-Length: 10\r\n", 10)]
    [InlineData("content-length: 007\r\n", 7)]
    [InlineData("Content-Length: 9223372036854775807\r\n", long.MaxValue)]
    [InlineData("Content-Length: 5\r\nContent-Length: 5\r\n", 5)]
    [InlineData("Content-Length:   12   \r\n", 12)]
    public void Content_length_sets_the_body_length(string headers, long expected)
    {
        var head = With(headers);
        Assert.Equal(ParseStatus.Complete, head.Status);
        Assert.Equal(BodyFraming.ContentLength, head.Framing);
        Assert.Equal(expected, head.ContentLength);
    }

    [Fact]
    public void Content_length_zero_means_no_body()
    {
        Assert.Equal(BodyFraming.None, With("Content-Length: 0\r\n").Framing);
    }

    [Theory]
    [InlineData("Content-Length: \r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: +5\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: -1\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 0x10\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 5 5\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 5, 5\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 9223372036854775808\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 99999999999999999999999\r\n", ParseError.InvalidContentLength)]
    [InlineData("Content-Length: 5\r\nContent-Length: 6\r\n", ParseError.ConflictingContentLength)]
    [InlineData("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", ParseError.ContentLengthWithTransferEncoding)]
    [InlineData("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", ParseError.ContentLengthWithTransferEncoding)]
    [InlineData("Transfer-Encoding: chunked, gzip\r\n", ParseError.ChunkedNotFinal)]
    [InlineData("Transfer-Encoding: gzip\r\n", ParseError.ChunkedNotFinal)]
    [InlineData("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", ParseError.ChunkedNotFinal)]
    [InlineData("Transfer-Encoding: chunked, chunked\r\n", ParseError.ChunkedAppliedTwice)]
    [InlineData("Transfer-Encoding: gzip, chunked\r\n", ParseError.UnsupportedTransferCoding)]
    [InlineData("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", ParseError.UnsupportedTransferCoding)]
    [InlineData("Transfer-Encoding: chunked;x=1\r\n", ParseError.InvalidTransferEncoding)]
    [InlineData("Transfer-Encoding: ch@nked\r\n", ParseError.InvalidTransferEncoding)]
    [InlineData("Transfer-Encoding: \r\n", ParseError.InvalidTransferEncoding)]
    [InlineData("Transfer-Encoding: ,\r\n", ParseError.InvalidTransferEncoding)]
    public void Ambiguous_or_unsupported_framing_is_refused(string headers, ParseError expected)
    {
        var head = With(headers);
        Assert.Equal(ParseStatus.Error, head.Status);
        Assert.Equal(expected, head.Error);
    }

    [Theory]
    [InlineData("Transfer-Encoding: chunked\r\n")]
    [InlineData("Transfer-Encoding: Chunked\r\n")]
    [InlineData("transfer-encoding:chunked \r\n")]
    [InlineData("Transfer-Encoding: , chunked\r\n")]
    public void Chunked_as_the_only_coding_selects_chunked_framing(string headers)
    {
        var head = With(headers);
        Assert.Equal(ParseStatus.Complete, head.Status);
        Assert.Equal(BodyFraming.Chunked, head.Framing);
    }

    [Fact]
    public void Transfer_encoding_in_http10_is_refused()
    {
        Assert.Equal(ParseError.TransferEncodingInHttp10, With("Transfer-Encoding: chunked\r\n", "HTTP/1.0").Error);
    }

    [Fact]
    public void Framing_errors_map_to_400_and_unknown_codings_to_501()
    {
        Assert.Equal(400, ParseError.ContentLengthWithTransferEncoding.StatusCode());
        Assert.Equal(400, ParseError.ChunkedNotFinal.StatusCode());
        Assert.Equal(501, ParseError.UnsupportedTransferCoding.StatusCode());
        Assert.Equal(505, ParseError.UnsupportedVersion.StatusCode());
        Assert.Equal(417, ParseError.UnsupportedExpectation.StatusCode());
        foreach (var error in Enum.GetValues<ParseError>())
        {
            Assert.NotEqual(error.ToString(), error.Describe());
        }
    }

    [Theory]
    [InlineData("HTTP/1.1", "", true)]
    [InlineData("HTTP/1.1", "Connection: close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: Close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive, close\r\n", false)]
    [InlineData("HTTP/1.1", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "", false)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: Keep-Alive\r\n", true)]
    [InlineData("HTTP/1.0", "Connection: keep-alive\r\nConnection: close\r\n", false)]
    public void Keep_alive_follows_the_version_default_and_the_connection_header(string version, string headers, bool keepAlive)
    {
        var head = Complete($"GET / {version}\r\nHost: a\r\n{headers}\r\n");
        Assert.Equal(keepAlive, head.KeepAlive);
    }

    [Fact]
    public void Connection_upgrade_is_flagged()
    {
        Assert.True(Complete("GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n").Upgrade);
    }

    [Theory]
    [InlineData("HTTP/1.1", "Expect: 100-continue\r\n", true)]
    [InlineData("HTTP/1.1", "expect: 100-Continue\r\n", true)]
    [InlineData("HTTP/1.1", "", false)]
    [InlineData("HTTP/1.0", "Expect: 100-continue\r\n", false)]
    public void Expect_100_continue_is_flagged_for_http11(string version, string headers, bool expected)
    {
        Assert.Equal(expected, Complete($"POST / {version}\r\nHost: a\r\nContent-Length: 3\r\n{headers}\r\n").ExpectContinue);
    }

    [Fact]
    public void Other_expectations_get_417()
    {
        Assert.Equal(ParseError.UnsupportedExpectation, With("Expect: 200-ok\r\n").Error);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", ParseError.MissingHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ParseError.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", ParseError.MultipleHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:xx\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:80:80\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a:-1\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a%4\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: a[b]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: []\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [zz]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8:9]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [1::2::3]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [12345::1]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1.2.3.256]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [::01.2.3.4]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:1.2.3.4]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [v1]\r\n\r\n", ParseError.InvalidHost)]
    [InlineData("GET / HTTP/1.1\r\nHost: [vz.a]\r\n\r\n", ParseError.InvalidHost)]
    public void Host_is_required_once_and_must_be_a_host(string request, ParseError expected)
    {
        Assert.Equal(expected, ErrorOf(request));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", "example.com:8080")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n", "[::1]:80")]
    [InlineData("GET / HTTP/1.1\r\nHost: [2001:db8::ff00:42:8329]\r\n\r\n", "[2001:db8::ff00:42:8329]")]
    [InlineData("GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:7:8]:1\r\n\r\n", "[1:2:3:4:5:6:7:8]:1")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]\r\n\r\n", "[::ffff:192.0.2.1]")]
    [InlineData("GET / HTTP/1.1\r\nHost: [1:2:3:4:5:6:1.2.3.4]\r\n\r\n", "[1:2:3:4:5:6:1.2.3.4]")]
    [InlineData("GET / HTTP/1.1\r\nHost: [::]\r\n\r\n", "[::]")]
    [InlineData("GET / HTTP/1.1\r\nHost: [1::]\r\n\r\n", "[1::]")]
    [InlineData("GET / HTTP/1.1\r\nHost: [v7.a:b]\r\n\r\n", "[v7.a:b]")]
    [InlineData("GET / HTTP/1.1\r\nHost: 192.0.2.1:8080\r\n\r\n", "192.0.2.1:8080")]
    [InlineData("GET / HTTP/1.1\r\nHost: a%41_b~c!$&'()*+,;=\r\n\r\n", "a%41_b~c!$&'()*+,;=")]
    [InlineData("GET / HTTP/1.1\r\nHost: a:\r\n\r\n", "a:")]
    [InlineData("GET / HTTP/1.1\r\nHost:\r\n\r\n", "")]
    [InlineData("GET / HTTP/1.0\r\n\r\n", "")]
    public void Valid_hosts_are_reported(string request, string host)
    {
        Assert.Equal(host, Complete(request).Host);
    }
}
