using Micro.Transport;

namespace Micro.Tests.Transport;

public sealed class OutputBufferTests
{
    [Fact]
    public void A_block_left_partly_empty_by_a_large_span_request_sends_only_what_was_written()
    {
        var pool = new BlockPool(64, 16);
        var output = new OutputBuffer(pool);
        var expected = new List<byte>();
        var random = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            // Alternate small writes with span requests bigger than what is left in the block.
            var hint = random.Next(1, 40);
            var span = output.GetSpan(hint);
            Assert.True(span.Length >= hint);
            var count = random.Next(0, hint + 1);
            for (var j = 0; j < count; j++)
            {
                span[j] = (byte)(expected.Count + j);
            }
            output.Advance(count);
            expected.AddRange(Enumerable.Range(expected.Count, count).Select(v => (byte)v));
        }
        Assert.Equal(expected.Count, output.Length);

        var destination = new OutputBuffer(new BlockPool(1024, 4));
        output.MoveTo(destination);
        Assert.Equal(expected.Count, destination.Length);
        Assert.True(output.IsEmpty);
        Assert.Equal(expected, destination.ToArray());
    }
}
