using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>The vectorized unmasking against the RFC's definition (byte i XOR mask[i % 4]), whole and cut where reads cut payloads.</summary>
public sealed class UnmaskTests
{
    [Fact]
    public void Every_length_and_starting_offset_gives_what_the_rfc_defines()
    {
        var random = new Random(6455);
        var mask = new byte[] { 0x37, 0xfa, 0x21, 0x3d };
        var maskValue = BitConverter.ToUInt32(mask);
        for (var length = 0; length <= 300; length++)
        {
            var payload = new byte[length];
            random.NextBytes(payload);
            for (var start = 0; start < 4; start++)
            {
                var expected = payload.Select((b, i) => (byte)(b ^ mask[(start + i) % 4])).ToArray();
                var actual = new byte[length + 5]; // room after it: nothing past the payload may be written
                FrameMask.Unmask(payload, actual, maskValue, start);
                Assert.Equal(expected, actual[..length]);
                Assert.All(actual[length..], b => Assert.Equal(0, b));
            }
        }
    }

    [Fact]
    public void A_payload_unmasked_in_pieces_as_reads_deliver_it_equals_one_unmasked_whole()
    {
        var random = new Random(7692);
        var payload = new byte[16384 + 13];
        random.NextBytes(payload);
        var maskValue = (uint)random.Next();
        var whole = new byte[payload.Length];
        FrameMask.Unmask(payload, whole, maskValue, 0);
        for (var round = 0; round < 50; round++)
        {
            var pieces = new byte[payload.Length];
            var (offset, maskIndex) = (0, 0);
            while (offset < payload.Length)
            {
                var take = Math.Min(payload.Length - offset, random.Next(1, 100) * random.Next(1, 40));
                FrameMask.Unmask(payload.AsSpan(offset, take), pieces.AsSpan(offset), maskValue, maskIndex);
                (offset, maskIndex) = (offset + take, (maskIndex + take) & 3);
            }
            Assert.Equal(whole, pieces);
        }
    }
}
