using Micro.Http;
using Micro.Parser;
using Micro.Transport;

namespace Micro.Tests.Http;

public sealed class RequestBodyReaderTests
{
    private static RequestHead Head(string head)
    {
        var parsed = new RequestHead();
        Assert.Equal(ParseStatus.Complete, RequestParser.Parse(Encoding.ASCII.GetBytes(head), parsed, HttpParserLimits.Default));
        return parsed;
    }

    private static RequestBodyReader Reader(long maxBodySize = 30_000_000) =>
        new(new HttpServerOptions { MaxRequestBodySize = maxBodySize, MinRequestBodyDataRate = new DataRate(240, TimeSpan.FromSeconds(5)) });

    [Fact]
    public void A_body_that_arrived_whole_is_lent_in_place()
    {
        var reader = Reader();
        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n"), now: 0);
        var buffer = "..hello.."u8.ToArray();
        Assert.Equal(BodyProgress.Complete, reader.Buffer(buffer, 2, 9, out var consumed, out var body));
        Assert.Equal(5, consumed);
        Assert.False(body.IsOwned);
        Assert.Equal("hello", Encoding.ASCII.GetString(body.Span));
    }

    [Fact]
    public void A_body_in_pieces_is_gathered_into_an_owned_buffer()
    {
        var reader = Reader();
        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n"), now: 0);
        Assert.Equal(BodyProgress.NeedMore, reader.Buffer("01234"u8.ToArray(), 0, 5, out var first, out _));
        Assert.Equal(5, first);
        Assert.Equal(5, reader.Remaining);
        Assert.Equal(BodyProgress.Complete, reader.Buffer("56789NEXT"u8.ToArray(), 0, 9, out var second, out var body));
        Assert.Equal(5, second); // what follows the body is the next request's
        Assert.True(body.IsOwned);
        Assert.Equal("0123456789", Encoding.ASCII.GetString(body.Span));
        body.Release();
    }

    [Fact]
    public void A_chunked_body_is_decoded_and_refused_past_the_limit_or_when_malformed()
    {
        var reader = Reader(maxBodySize: 8);
        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), now: 0);
        var chunked = "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"u8.ToArray();
        Assert.Equal(BodyProgress.Complete, reader.Buffer(chunked, 0, chunked.Length, out var consumed, out var body));
        Assert.Equal(chunked.Length, consumed);
        Assert.Equal("abcde", Encoding.ASCII.GetString(body.Span));
        body.Release();

        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), now: 0);
        var large = "9\r\n123456789\r\n"u8.ToArray();
        Assert.Equal(BodyProgress.TooLarge, reader.Buffer(large, 0, large.Length, out _, out _));

        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"), now: 0);
        var malformed = "zz\r\n"u8.ToArray();
        Assert.Equal(BodyProgress.Malformed, reader.Buffer(malformed, 0, malformed.Length, out _, out _));
        Assert.Equal(400, reader.Error.StatusCode());
    }

    [Fact]
    public void A_streamed_body_fills_the_pipe_and_says_when_its_reader_is_full()
    {
        var reader = Reader();
        var pipe = new RequestBodyPipe(() => { });
        var length = RequestBodyPipe.Capacity + 100;
        reader.Start(Head($"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"), now: 0);
        var bytes = new byte[length];
        Assert.Equal(BodyProgress.ReaderFull, reader.Stream(bytes, 0, length, pipe, out var consumed));
        Assert.Equal(RequestBodyPipe.Capacity, consumed);
        Assert.Equal(100, reader.Remaining);
    }

    [Fact]
    public void The_data_rate_clock_counts_the_clients_time_only()
    {
        var reader = Reader();
        var rate = new HttpServerOptions().MinRequestBodyDataRate;
        reader.Start(Head("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"), now: 1_000);
        Assert.False(reader.ArrivesTooSlowly(now: 6_000, rate));
        Assert.True(reader.ArrivesTooSlowly(now: 6_001, rate)); // 5 s of grace, and no byte
        Assert.False(reader.ArrivesTooSlowly(now: 6_001, default)); // a request that set no minimum
        reader.HoldClock(10_000);                               // the server held the client back for 10 s
        Assert.False(reader.ArrivesTooSlowly(now: 16_000, rate));
        reader.Buffer(new byte[2400], 0, 2400, out _, out _);
        reader.RestartClock(now: 20_000);
        Assert.False(reader.ArrivesTooSlowly(now: 25_000, rate));
        reader.ReleaseBuffer();
    }
}
