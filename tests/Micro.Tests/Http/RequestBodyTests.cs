using Micro.Http;
using Microsoft.AspNetCore.Http;

namespace Micro.Tests.Http;

public sealed class RequestBodyTests
{
    [Fact]
    public async Task A_buffered_body_reads_as_span_memory_stream_and_in_pieces()
    {
        var receiveBuffer = "..body.."u8.ToArray();
        var body = new RequestBody();
        body.SetBuffered(ReceivedBytes.Borrow(receiveBuffer, 2, 4));
        Assert.Equal("body", Encoding.ASCII.GetString(body.Span));
        var memory = body.Memory;                 // owned from here: the receive buffer may be reused
        receiveBuffer.AsSpan().Clear();
        Assert.Equal("body", Encoding.ASCII.GetString(memory.Span));
        Assert.Equal("body", await new StreamReader(body.Open()).ReadToEndAsync());
        var piece = new byte[3];
        Assert.Equal(3, await body.ReadAsync(piece, default));
        Assert.Equal(1, await body.ReadAsync(piece, default));
        Assert.Equal(0, await body.ReadAsync(piece, default));
        body.Reset();
        Assert.True(body.Span.IsEmpty);
    }

    [Fact]
    public async Task A_streamed_body_refuses_synchronous_access_and_is_buffered_whole_on_request()
    {
        var pipe = new RequestBodyPipe(() => { });
        var body = new RequestBody();
        body.SetStreamed(pipe);
        Assert.True(body.IsStreamed);
        Assert.StartsWith("The request body is streamed while it arrives", Assert.Throws<InvalidOperationException>(() => body.Span.Length).Message);
        pipe.Write("streamed"u8);
        pipe.Complete();
        await body.ReadWholeAsync(limit: 100);
        Assert.False(body.IsStreamed);
        Assert.Equal("streamed", Encoding.ASCII.GetString(body.Span));
    }

    [Fact]
    public async Task A_streamed_body_past_the_limit_is_a_413()
    {
        var pipe = new RequestBodyPipe(() => { });
        var body = new RequestBody();
        body.SetStreamed(pipe);
        pipe.Write(new byte[101]);
        pipe.Complete();
        var error = await Assert.ThrowsAsync<BadHttpRequestException>(() => body.ReadWholeAsync(limit: 100).AsTask());
        Assert.Equal(413, error.StatusCode);
    }

    [Fact]
    public void A_streamed_body_as_a_stream_goes_forward_only_and_says_so()
    {
        var pipe = new RequestBodyPipe(() => { });
        var body = new RequestBody();
        body.SetStreamed(pipe);
        using var stream = body.Open();
        Assert.True(stream.CanRead);
        Assert.False(stream.CanSeek);
        Assert.False(stream.CanWrite);
        Assert.Equal("A streamed request body goes forward only: it has no length until it has all gone by.", Assert.Throws<NotSupportedException>(() => stream.Length).Message);
        Assert.Equal("A streamed request body goes forward only: it cannot seek.", Assert.Throws<NotSupportedException>(() => stream.Seek(0, SeekOrigin.Begin)).Message);
        Assert.Throws<NotSupportedException>(() => stream.Position = 1);
        Assert.Equal("A streamed request body is read-only.", Assert.Throws<NotSupportedException>(() => stream.Write([1], 0, 1)).Message);
        Assert.StartsWith("A streamed request body is read with ReadAsync", Assert.Throws<NotSupportedException>(() => stream.Read(new byte[1], 0, 1)).Message);
    }
}
