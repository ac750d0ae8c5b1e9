using System.Buffers;
using Micro.Http;
using Micro.Transport;

namespace Micro.Tests.Http;

public sealed class ResponseFramerTests
{
    private static readonly byte[] Server = "Server: T\r\n"u8.ToArray();

    private static (string Text, bool Close) Head(int status, bool http11, bool close, long length, ResponseHeaders? headers = null, string contentType = "")
    {
        var output = new OutputBuffer(new BlockPool(4096, 4));
        var closes = ResponseFramer.WriteHead(output, status, http11, close, Server, Encoding.ASCII.GetBytes(contentType), headers, length);
        var bytes = new ArrayBufferWriter<byte>();
        output.DrainTo(bytes);
        var text = Encoding.ASCII.GetString(bytes.WrittenSpan);
        var date = text.IndexOf("Date: ", StringComparison.Ordinal);
        return (text.Remove(date, text.IndexOf("\r\n", date, StringComparison.Ordinal) + 2 - date), closes);
    }

    [Fact]
    public void A_known_length_is_a_content_length_and_keep_alive_is_implicit_in_http11()
    {
        var headers = new ResponseHeaders();
        headers.Append("X-A"u8, "1"u8);
        var (text, close) = Head(200, http11: true, close: false, 12, headers, "text/plain");
        Assert.Equal("HTTP/1.1 200 OK\r\nServer: T\r\nContent-Type: text/plain\r\nX-A: 1\r\nContent-Length: 12\r\n\r\n", text);
        Assert.False(close);
    }

    [Theory]
    [InlineData(404, "HTTP/1.1 404 Not Found\r\n")]
    [InlineData(418, "HTTP/1.1 418 I'm a teapot\r\n")]
    [InlineData(299, "HTTP/1.1 299 \r\n")] // no registered phrase: none (the space stays; RFC 9112 section 4), as Kestrel sends it
    [InlineData(599, "HTTP/1.1 599 \r\n")]
    [InlineData(999, "HTTP/1.1 999 \r\n")]
    public void A_status_line_has_the_codes_registered_phrase_or_none(int status, string line)
    {
        var (text, _) = Head(status, http11: true, close: false, 0);
        Assert.StartsWith(line, text);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(99)]
    [InlineData(100)]
    [InlineData(1_000_000_007)]
    [InlineData(long.MaxValue)]
    public void A_content_length_is_written_in_decimal_digits_whatever_its_size(long length)
    {
        var (text, _) = Head(200, http11: true, close: false, length);
        Assert.Equal($"HTTP/1.1 200 OK\r\nServer: T\r\nContent-Length: {length.ToString(System.Globalization.CultureInfo.InvariantCulture)}\r\n\r\n", text);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(3000)] // past the one-span start of a head: written piece by piece, the same bytes
    [InlineData(5000)] // past a 4 KiB block of the output
    public void A_long_content_type_is_written_whole_whichever_way_the_head_is_copied(int length)
    {
        var type = "application/x-" + new string('a', length);
        var (text, _) = Head(200, http11: true, close: false, long.MaxValue, contentType: type);
        Assert.Equal($"HTTP/1.1 200 OK\r\nServer: T\r\nContent-Type: {type}\r\nContent-Length: {long.MaxValue}\r\n\r\n", text);
    }

    [Fact]
    public void An_unknown_length_is_chunked_in_http11_and_ends_the_connection_in_http10()
    {
        Assert.Equal(("HTTP/1.1 200 OK\r\nServer: T\r\nTransfer-Encoding: chunked\r\n\r\n", false), Head(200, true, false, ResponseFramer.UnknownLength));
        Assert.Equal(("HTTP/1.1 200 OK\r\nServer: T\r\nConnection: close\r\n\r\n", true), Head(200, false, false, ResponseFramer.UnknownLength));
    }

    [Fact]
    public void Http10_keep_alive_is_said_and_close_is_said_when_closing()
    {
        Assert.Equal(("HTTP/1.1 200 OK\r\nServer: T\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n", false), Head(200, false, false, 0));
        Assert.Equal(("HTTP/1.1 200 OK\r\nServer: T\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", true), Head(200, true, true, 0));
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void No_content_and_not_modified_have_no_framing_headers(int status)
    {
        var (text, _) = Head(status, true, false, 10);
        Assert.DoesNotContain("Content-Length", text);
        Assert.DoesNotContain("Transfer-Encoding", text);
        Assert.False(ResponseFramer.AllowsBody(status));
    }

    [Fact]
    public void Chunks_are_hex_sized_empty_writes_are_skipped_and_the_last_chunk_ends_the_body()
    {
        var output = new OutputBuffer(new BlockPool(4096, 4));
        ResponseFramer.WriteChunk(output, new byte[300], http11: true);
        ResponseFramer.WriteChunk(output, [], http11: true);
        ResponseFramer.WriteChunk(output, "ab"u8, http11: false);
        ResponseFramer.WriteLastChunk(output);
        var bytes = new ArrayBufferWriter<byte>();
        output.DrainTo(bytes);
        Assert.Equal("12c\r\n" + new string('\0', 300) + "\r\nab0\r\n\r\n", Encoding.ASCII.GetString(bytes.WrittenSpan));
    }
}
