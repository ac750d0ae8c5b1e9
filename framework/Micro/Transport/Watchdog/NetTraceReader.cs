using System.Buffers.Binary;
using System.Text;

namespace Micro.Transport.Watchdog;

/// <summary>
/// Reads what a stack sample needs from a nettrace stream (the format EventPipe streams, version 4/5: see PerfView's
/// NetTraceFormat_v5.md): the sample profiler's samples (thread and stack), the interned stacks, and the methods the
/// runtime names in its JIT and rundown events (start address, size, name). Everything else is skipped. A stream cut
/// short (a bounded read) yields what was complete.
/// </summary>
internal sealed class NetTraceReader
{
    private const string SampleProfiler = "Microsoft-DotNETCore-SampleProfiler";
    private const string Runtime = "Microsoft-Windows-DotNETRuntime";
    private const string Rundown = "Microsoft-Windows-DotNETRuntimeRundown";
    private const int MethodLoadVerbose = 143;   // also MethodDCStartVerbose in the rundown provider
    private const int MethodDCEndVerbose = 144;

    private readonly byte[] _data;
    private int _position;
    private int _pointerSize = 8;
    private readonly Dictionary<int, (string Provider, int EventId)> _metadata = [];

    private NetTraceReader(byte[] data)
    {
        _data = data;
    }

    private int Length => _data.Length;

    /// <summary>One sample of a thread: its OS id and the stack's instruction pointers, innermost first.</summary>
    public readonly record struct Sample(long ThreadId, ulong[] Stack);

    /// <summary>A method's code: where it starts, how long it is, and its name with its parameter types.</summary>
    public readonly record struct MethodCode(ulong Start, uint Size, string Name);

    public List<Sample> Samples { get; } = [];

    /// <summary>
    /// The stacks an event may name, by id: those since the last sequence point. A sequence point is a barrier for
    /// stack references, and the runtime numbers its stacks from the start again after one, so an id names another
    /// stack on each side of it: a sample's stack is looked up when the sample is read, never at the end.
    /// </summary>
    private readonly Dictionary<int, ulong[]> _stacks = [];

    public List<MethodCode> Methods { get; } = [];

    /// <summary>Why reading stopped before the end of the stream, if it did.</summary>
    public string? StoppedEarly { get; private set; }

    /// <summary>Reads <paramref name="data"/>, a whole stream or its beginning; throws <see cref="InvalidDataException"/> when it is not nettrace.</summary>
    public static NetTraceReader Read(byte[] data)
    {
        var reader = new NetTraceReader(data);
        reader.ReadStream();
        return reader;
    }

    private void ReadStream()
    {
        if (Length < 32 || !_data.AsSpan(0, 8).SequenceEqual("Nettrace"u8) || ReadInt32At(8) != 20
            || !_data.AsSpan(12, 20).SequenceEqual("!FastSerialization.1"u8))
        {
            throw new InvalidDataException("Not a nettrace stream.");
        }
        _position = 32;
        try
        {
            while (_position < Length && _data[_position] != 1) // NullReference: the end of the stream
            {
                ReadObject();
            }
        }
        catch (Exception exception) when (exception is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException)
        {
            // Cut short, or something this reader does not know: what was read before it stands.
            StoppedEarly = $"{exception.GetType().Name} at byte {_position} of {Length}: {exception.Message}";
        }
    }

    private void ReadObject()
    {
        Expect(5); // BeginPrivateObject
        Expect(5); // its type, an object too
        Expect(1); // whose type is null
        _position += 8; // version, minimum reader version
        var name = Encoding.ASCII.GetString(_data, _position + 4, ReadInt32At(_position));
        _position += 4 + name.Length;
        Expect(6); // end of the type
        if (name == "Trace")
        {
            // Sync time (8 shorts), QPC sync time and frequency (2 longs), then the pointer size.
            _pointerSize = ReadInt32At(_position + 32);
            _position += 48;
        }
        else
        {
            var size = ReadInt32At(_position);
            _position += 4;
            _position += (4 - _position % 4) % 4; // blocks are aligned to 4 bytes of the stream
            var end = _position + size;
            if (end > Length)
            {
                throw new ArgumentOutOfRangeException(nameof(name), "incomplete block");
            }
            switch (name)
            {
                case "MetadataBlock":
                    ReadEventBlock(end, metadata: true);
                    break;
                case "EventBlock":
                    ReadEventBlock(end, metadata: false);
                    break;
                case "StackBlock":
                    ReadStackBlock(end);
                    break;
                case "SPBlock":
                    _stacks.Clear(); // a sequence point: the ids before it name nothing after it
                    break;
            }
            _position = end;
        }
        Expect(6); // end of the object
    }

    private void ReadStackBlock(int end)
    {
        var id = ReadInt32At(_position);
        var count = ReadInt32At(_position + 4);
        _position += 8;
        for (var i = 0; i < count && _position < end; i++, id++)
        {
            var size = ReadInt32At(_position);
            _position += 4;
            var addresses = new ulong[size / _pointerSize];
            for (var j = 0; j < addresses.Length; j++)
            {
                addresses[j] = _pointerSize == 8
                    ? BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(_position + 8 * j))
                    : BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(_position + 4 * j));
            }
            _stacks[id] = addresses;
            _position += size;
        }
    }

    /// <summary>The events of a block: a header (size, flags, time range), then event blobs, their headers compressed when flag 1 is set.</summary>
    private void ReadEventBlock(int end, bool metadata)
    {
        var headerSize = BinaryPrimitives.ReadInt16LittleEndian(_data.AsSpan(_position));
        var compressed = (BinaryPrimitives.ReadInt16LittleEndian(_data.AsSpan(_position + 2)) & 1) != 0;
        _position += headerSize;
        // What a compressed header leaves out is the previous event's value; a block starts from zeros.
        int metadataId = 0, stackId = 0, payloadSize = 0;
        long threadId = 0;
        while (_position < end)
        {
            if (compressed)
            {
                var flags = _data[_position++];
                if ((flags & 1) != 0)
                {
                    metadataId = (int)ReadVarUInt();
                }
                if ((flags & 2) != 0)
                {
                    ReadVarUInt(); // sequence number
                    ReadVarUInt(); // capture thread
                    ReadVarUInt(); // processor
                }
                if ((flags & 4) != 0)
                {
                    threadId = (long)ReadVarUInt();
                }
                if ((flags & 8) != 0)
                {
                    stackId = (int)ReadVarUInt();
                }
                ReadVarUInt(); // timestamp, as a delta
                _position += ((flags & 16) != 0 ? 16 : 0) + ((flags & 32) != 0 ? 16 : 0); // activity ids
                if ((flags & 128) != 0)
                {
                    payloadSize = (int)ReadVarUInt();
                }
                Event(metadata, metadataId & 0x7FFFFFFF, threadId, stackId, _position);
                _position += payloadSize;
            }
            else
            {
                var start = _position;
                var eventSize = ReadInt32At(start);
                metadataId = ReadInt32At(start + 4) & 0x7FFFFFFF;
                threadId = BinaryPrimitives.ReadInt64LittleEndian(_data.AsSpan(start + 12));
                stackId = ReadInt32At(start + 32);
                payloadSize = ReadInt32At(start + 76);
                Event(metadata, metadataId, threadId, stackId, start + 80);
                _position = start + 4 + eventSize;
                _position += (4 - _position % 4) % 4;
            }
        }
    }

    private void Event(bool metadata, int metadataId, long threadId, int stackId, int payload)
    {
        if (metadata)
        {
            // The definition's id, the provider (UTF-16, zero-terminated), the event's id; the rest is its layout.
            var defined = ReadInt32At(payload);
            var at = payload + 4;
            var provider = ReadUtf16(ref at);
            _metadata[defined] = (provider, ReadInt32At(at));
            return;
        }
        if (!_metadata.TryGetValue(metadataId, out var kind))
        {
            return;
        }
        if (kind.Provider == SampleProfiler)
        {
            if (_stacks.TryGetValue(stackId, out var stack))
            {
                Samples.Add(new Sample(threadId, stack));
            }
        }
        else if ((kind.Provider == Runtime && kind.EventId == MethodLoadVerbose)
            || (kind.Provider == Rundown && kind.EventId is MethodLoadVerbose or MethodDCEndVerbose))
        {
            // MethodID, ModuleID (8 bytes each), start address (8), size, token, flags (4 each), then the names.
            var start = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(payload + 16));
            var size = BinaryPrimitives.ReadUInt32LittleEndian(_data.AsSpan(payload + 24));
            var at = payload + 36;
            var typeName = ReadUtf16(ref at);
            var methodName = ReadUtf16(ref at);
            var signature = ReadUtf16(ref at);
            var parameters = signature.IndexOf('(') is var open and >= 0 ? signature[open..] : "()";
            Methods.Add(new MethodCode(start, size, $"{typeName}.{methodName}{parameters}"));
        }
    }

    private string ReadUtf16(ref int at)
    {
        var start = at;
        while (_data[at] != 0 || _data[at + 1] != 0)
        {
            at += 2;
        }
        var text = Encoding.Unicode.GetString(_data, start, at - start);
        at += 2;
        return text;
    }

    private ulong ReadVarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = _data[_position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }
        return value;
    }

    private void Expect(byte tag)
    {
        if (_data[_position++] != tag)
        {
            throw new InvalidDataException($"nettrace: expected tag {tag} at {_position - 1}.");
        }
    }

    private int ReadInt32At(int at) => BinaryPrimitives.ReadInt32LittleEndian(_data.AsSpan(at, 4));
}
