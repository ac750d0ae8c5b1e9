using Micro.Http;

namespace Micro.Tests.Http;

public sealed class ReceivedBytesTests
{
    [Fact]
    public void Borrowed_bytes_are_a_view_until_owned_then_a_copy_that_survives_the_buffer()
    {
        var receiveBuffer = "xxhello"u8.ToArray();
        var bytes = ReceivedBytes.Borrow(receiveBuffer, 2, 5);
        Assert.False(bytes.IsOwned);
        Assert.Equal("hello"u8.ToArray(), bytes.Span.ToArray());
        Assert.Throws<InvalidOperationException>(() => bytes.Memory);
        bytes.EnsureOwned();
        receiveBuffer.AsSpan().Fill((byte)'!'); // the transport reuses its buffer
        Assert.True(bytes.IsOwned);
        Assert.Equal("hello"u8.ToArray(), bytes.Memory.ToArray());
        bytes.Release();
        Assert.True(bytes.IsEmpty);
    }

    [Fact]
    public void Empty_bytes_need_no_copy_and_release_is_harmless_twice()
    {
        var bytes = default(ReceivedBytes);
        bytes.EnsureOwned();
        Assert.False(bytes.IsOwned);
        Assert.True(bytes.Memory.IsEmpty);
        bytes.Release();
        bytes.Release();
    }
}
