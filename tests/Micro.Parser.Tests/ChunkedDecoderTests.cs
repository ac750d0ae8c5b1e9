using System.Text;
using static Micro.Parser.Tests.Http;

namespace Micro.Parser.Tests;

public sealed class ChunkedDecoderTests
{
    /// <summary>Feeds the pieces in order and collects the body; returns the status of the last call and the bytes consumed overall.</summary>
    private static (ChunkedDecodeStatus Status, string Body, int Consumed, ParseError Error) Decode(IEnumerable<byte[]> pieces, HttpParserLimits? limits = null)
    {
        var decoder = new ChunkedDecoder(limits);
        var body = new StringBuilder();
        var total = 0;
        var status = ChunkedDecodeStatus.NeedMoreData;
        foreach (var piece in pieces)
        {
            var input = piece.AsSpan();
            while (true)
            {
                status = decoder.Decode(input, out var consumed, out var data);
                total += consumed;
                if (status == ChunkedDecodeStatus.Data)
                {
                    body.Append(Text(data.Of(input)));
                    input = input[consumed..];
                    continue;
                }
                if (status is ChunkedDecodeStatus.Completed or ChunkedDecodeStatus.Error)
                {
                    return (status, body.ToString(), total, decoder.Error);
                }
                Assert.Equal(input.Length, consumed);
                break;
            }
        }
        return (status, body.ToString(), total, decoder.Error);
    }

    private static (ChunkedDecodeStatus Status, string Body, int Consumed, ParseError Error) Decode(string body, HttpParserLimits? limits = null) =>
        Decode([Bytes(body)], limits);

    public static TheoryData<string, string> ValidBodies() => new()
    {
        { "5\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world" },
        { "A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n", "0123456789abcdefghij" },
        { "005\r\nhello\r\n000\r\n\r\n", "hello" },
        { "5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello" },
        { "5 ;name=\"quoted value\"\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5\r\nhello\r\n0\r\nExpires: never\r\nX-Checksum: abc\r\n\r\n", "hello" },
        { "0\r\n\r\n", "" },
        { "3\r\n\r\n\r\r\n0\r\n\r\n", "\r\n\r" },
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void A_chunked_body_decodes_to_its_data(string encoded, string expected)
    {
        var result = Decode(encoded);
        Assert.Equal(ChunkedDecodeStatus.Completed, result.Status);
        Assert.Equal(expected, result.Body);
        Assert.Equal(encoded.Length, result.Consumed);
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void A_chunked_body_split_at_any_byte_decodes_the_same(string encoded, string expected)
    {
        var bytes = Bytes(encoded);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var result = Decode([bytes[..split], bytes[split..]]);
            Assert.Equal((ChunkedDecodeStatus.Completed, expected, bytes.Length), (result.Status, result.Body, result.Consumed));
        }
        var byteByByte = Decode(bytes.Select(b => new[] { b }));
        Assert.Equal((ChunkedDecodeStatus.Completed, expected), (byteByByte.Status, byteByByte.Body));
    }

    [Fact]
    public void Bytes_after_the_body_are_left_for_the_next_request()
    {
        var bytes = Bytes("2\r\nhi\r\n0\r\n\r\nGET / HTTP/1.1\r\n");
        var result = Decode([bytes]);
        Assert.Equal(ChunkedDecodeStatus.Completed, result.Status);
        Assert.Equal(12, result.Consumed);
    }

    [Fact]
    public void Large_chunks_come_back_as_ranges_of_the_input_without_copies()
    {
        var data = new string('x', 100_000);
        var bytes = Bytes($"{data.Length:x}\r\n{data}\r\n0\r\n\r\n");
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedDecodeStatus.Data, decoder.Decode(bytes, out var consumed, out var range));
        Assert.Equal(7, range.Offset);
        Assert.Equal(data.Length, range.Length);
        Assert.Equal(ChunkedDecodeStatus.Completed, decoder.Decode(bytes.AsSpan(consumed), out _, out _));
        Assert.True(decoder.IsComplete);
    }

    [Theory]
    [InlineData("\r\n", ParseError.InvalidChunkSize)]
    [InlineData("g\r\n", ParseError.InvalidChunkSize)]
    [InlineData("-5\r\nhello\r\n", ParseError.InvalidChunkSize)]
    [InlineData("0x5\r\nhello\r\n", ParseError.InvalidChunkSize)]
    [InlineData("00000000000000005\r\nhello\r\n", ParseError.InvalidChunkSize)]
    [InlineData("8000000000000000\r\n", ParseError.InvalidChunkSize)]
    [InlineData("ffffffffffffffff\r\n", ParseError.InvalidChunkSize)]
    [InlineData("5\nhello\r\n", ParseError.InvalidChunkSize)]
    [InlineData("5\rhello\r\n", ParseError.InvalidChunkSize)]
    [InlineData("5 \r\nhello\r\n", ParseError.InvalidChunkExtension)]
    [InlineData("5;a\u0000b\r\nhello\r\n", ParseError.InvalidChunkExtension)]
    [InlineData("5;a\nb\r\nhello\r\n", ParseError.InvalidChunkExtension)]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n", ParseError.MissingChunkTerminator)]
    [InlineData("5\r\nhello\rX0\r\n\r\n", ParseError.MissingChunkTerminator)]
    [InlineData("5\r\nhello\n0\r\n\r\n", ParseError.MissingChunkTerminator)]
    [InlineData("0\r\nBad Trailer: x\r\n\r\n", ParseError.InvalidTrailer)]
    [InlineData("0\r\n folded: x\r\n\r\n", ParseError.InvalidTrailer)]
    [InlineData("0\r\nX: a\u0001b\r\n\r\n", ParseError.InvalidTrailer)]
    [InlineData("0\r\nX: y\n\r\n", ParseError.InvalidTrailer)]
    [InlineData("0\r\n\rX", ParseError.InvalidTrailer)]
    public void Malformed_chunked_bodies_are_refused_with_the_reason(string encoded, ParseError expected)
    {
        var result = Decode(encoded);
        Assert.Equal(ChunkedDecodeStatus.Error, result.Status);
        Assert.Equal(expected, result.Error);
        Assert.Equal(400, expected.StatusCode());
    }

    [Fact]
    public void Chunk_extensions_are_bounded()
    {
        var limits = new HttpParserLimits { MaxChunkExtensionLength = 16 };
        Assert.Equal(ChunkedDecodeStatus.Completed, Decode("1;" + new string('e', 15) + "\r\nx\r\n0\r\n\r\n", limits).Status);
        Assert.Equal(ParseError.ChunkExtensionTooLong, Decode("1;" + new string('e', 16) + "\r\nx\r\n0\r\n\r\n", limits).Error);
    }

    [Fact]
    public void Trailers_are_bounded_by_the_header_limits()
    {
        var bytesLimit = new HttpParserLimits { MaxHeaderBytes = 32 };
        Assert.Equal(ChunkedDecodeStatus.Completed, Decode("0\r\nX: " + new string('v', 27) + "\r\n\r\n", bytesLimit).Status);
        var tooLarge = Decode("0\r\nX: " + new string('v', 28) + "\r\n\r\n", bytesLimit);
        Assert.Equal(ParseError.TrailerSectionTooLarge, tooLarge.Error);
        Assert.Equal(431, tooLarge.Error.StatusCode());

        var countLimit = new HttpParserLimits { MaxHeaderCount = 2 };
        Assert.Equal(ChunkedDecodeStatus.Completed, Decode("0\r\nA: 1\r\nB: 2\r\n\r\n", countLimit).Status);
        Assert.Equal(ParseError.TrailerSectionTooLarge, Decode("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", countLimit).Error);
    }

    [Fact]
    public void Trailers_are_kept_as_received_across_pieces_and_forgotten_at_reset()
    {
        var decoder = new ChunkedDecoder();
        var encoded = Bytes("1\r\nx\r\n0\r\nX-Sum: 42\r\nx-other:a b\t\r\n\r\n");
        var fed = 0;
        ChunkedDecodeStatus status;
        do
        {
            // One byte at a time: a trailer section split anywhere is kept whole.
            status = decoder.Decode(encoded.AsSpan(fed, 1), out var consumed, out _);
            Assert.True(decoder.Trailers.IsEmpty || status == ChunkedDecodeStatus.Completed); // only once the body is complete
            fed += consumed;
        }
        while (status != ChunkedDecodeStatus.Completed);
        Assert.Equal("X-Sum: 42\r\nx-other:a b\t\r\n", Text(decoder.Trailers));
        decoder.Reset();
        Assert.Equal(ChunkedDecodeStatus.Completed, decoder.Decode(Bytes("0\r\n\r\n"), out _, out _));
        Assert.True(decoder.Trailers.IsEmpty);
    }

    [Fact]
    public void A_decoder_is_reusable_after_reset()
    {
        var decoder = new ChunkedDecoder();
        Assert.Equal(ChunkedDecodeStatus.Error, decoder.Decode(Bytes("zz"), out _, out _));
        decoder.Reset();
        Assert.Equal(ChunkedDecodeStatus.Data, decoder.Decode(Bytes("1\r\nx\r\n0\r\n\r\n"), out _, out var data));
        Assert.Equal(new ByteRange(3, 1), data);
    }
}
