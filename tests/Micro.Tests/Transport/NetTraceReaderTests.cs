using System.Buffers.Binary;
using System.Text;
using Micro.Transport.Watchdog;

namespace Micro.Tests.Transport;

/// <summary>
/// The watchdog's nettrace reader, on streams written here in the format EventPipe streams (PerfView's
/// NetTraceFormat_v5.md), so the cases a live session produces only now and then are certain.
/// </summary>
public sealed class NetTraceReaderTests
{
    [Fact]
    public void A_samples_stack_is_the_one_its_id_named_when_it_was_read_not_the_one_a_later_region_gives_that_id()
    {
        // The runtime numbers its stacks from 1 again after every sequence point. A stuck thread sampled before one and
        // a busy thread after it can name the same id for different stacks; resolved at the end, the stuck thread's
        // samples took the busy one's stack (the watchdog logged another thread's code as the reactor's).
        var stream = new NetTrace()
            .Metadata(metadataId: 1, "Microsoft-DotNETCore-SampleProfiler", eventId: 0)
            .Stacks(firstId: 1, [0x1000, 0x2000])
            .Sample(metadataId: 1, threadId: 42, stackId: 1)
            .Sample(metadataId: 1, threadId: 42, stackId: 1)
            .SequencePoint()
            .Stacks(firstId: 1, [0x9000, 0xA000, 0xB000])
            .Sample(metadataId: 1, threadId: 7, stackId: 1)
            .Sample(metadataId: 1, threadId: 42, stackId: 2) // an id no stack since the sequence point has: dropped
            .End();
        var read = NetTraceReader.Read(stream);
        Assert.Null(read.StoppedEarly);
        Assert.Equal([0x1000UL, 0x2000UL], read.Samples.Where(sample => sample.ThreadId == 42).Select(sample => sample.Stack).Distinct().Single());
        Assert.Equal(2, read.Samples.Count(sample => sample.ThreadId == 42));
        Assert.Equal([0x9000UL, 0xA000UL, 0xB000UL], read.Samples.Single(sample => sample.ThreadId == 7).Stack);
    }

    /// <summary>A nettrace stream: the header, the trace object, then blocks, each a serialized object of its own.</summary>
    private sealed class NetTrace
    {
        private readonly MemoryStream _stream = new();

        public NetTrace()
        {
            _stream.Write("Nettrace"u8);
            Int32(20);
            _stream.Write("!FastSerialization.1"u8);
            var trace = new byte[48];
            BinaryPrimitives.WriteInt32LittleEndian(trace.AsSpan(32), 8); // the pointer size
            Object("Trace", trace, block: false);
        }

        public NetTrace Metadata(int metadataId, string provider, int eventId)
        {
            var payload = new MemoryStream();
            payload.Write(BitConverter.GetBytes(metadataId));
            payload.Write(Encoding.Unicode.GetBytes(provider + "\0"));
            payload.Write(BitConverter.GetBytes(eventId));
            return Object("MetadataBlock", EventBlock(Event(metadataId: 0, threadId: 0, stackId: 0, payload.ToArray())), block: true);
        }

        public NetTrace Stacks(int firstId, params ulong[][] stacks)
        {
            var block = new MemoryStream();
            block.Write(BitConverter.GetBytes(firstId));
            block.Write(BitConverter.GetBytes(stacks.Length));
            foreach (var stack in stacks)
            {
                block.Write(BitConverter.GetBytes(stack.Length * 8));
                foreach (var address in stack)
                {
                    block.Write(BitConverter.GetBytes(address));
                }
            }
            return Object("StackBlock", block.ToArray(), block: true);
        }

        public NetTrace Sample(int metadataId, long threadId, int stackId) =>
            Object("EventBlock", EventBlock(Event(metadataId, threadId, stackId, [])), block: true);

        public NetTrace SequencePoint()
        {
            var block = new byte[12]; // the time, and no threads
            return Object("SPBlock", block, block: true);
        }

        public byte[] End()
        {
            _stream.WriteByte(1); // NullReference: the end of the stream
            return _stream.ToArray();
        }

        /// <summary>An event block: its header (size, flags: headers not compressed, the time range), then the event.</summary>
        private static byte[] EventBlock(byte[] evt)
        {
            var block = new byte[20 + evt.Length];
            BinaryPrimitives.WriteInt16LittleEndian(block, 20);
            evt.CopyTo(block, 20);
            return block;
        }

        /// <summary>An event blob with an uncompressed header: size, metadata id, sequence, thread, capture thread, processor, stack, time, two activity ids, payload size.</summary>
        private static byte[] Event(int metadataId, long threadId, int stackId, byte[] payload)
        {
            var size = 80 + payload.Length;
            var evt = new byte[(size + 3) / 4 * 4];
            BinaryPrimitives.WriteInt32LittleEndian(evt, size - 4);
            BinaryPrimitives.WriteInt32LittleEndian(evt.AsSpan(4), metadataId);
            BinaryPrimitives.WriteInt64LittleEndian(evt.AsSpan(12), threadId);
            BinaryPrimitives.WriteInt32LittleEndian(evt.AsSpan(32), stackId);
            BinaryPrimitives.WriteInt32LittleEndian(evt.AsSpan(76), payload.Length);
            payload.CopyTo(evt, 80);
            return evt;
        }

        private NetTrace Object(string type, byte[] content, bool block)
        {
            _stream.WriteByte(5); // BeginPrivateObject
            _stream.WriteByte(5); // its type, an object too
            _stream.WriteByte(1); // whose type is null
            Int32(2); // version
            Int32(2); // minimum reader version
            Int32(type.Length);
            _stream.Write(Encoding.ASCII.GetBytes(type));
            _stream.WriteByte(6); // end of the type
            if (block)
            {
                Int32(content.Length);
                while (_stream.Length % 4 != 0)
                {
                    _stream.WriteByte(0); // blocks are aligned to 4 bytes of the stream
                }
            }
            _stream.Write(content);
            _stream.WriteByte(6); // end of the object
            return this;
        }

        private void Int32(int value) => _stream.Write(BitConverter.GetBytes(value));
    }
}
