using System.Buffers;
using Micro.Http;

namespace Micro.Compression;

/// <summary>A write-only stream into an <see cref="IBufferWriter{T}"/>: where the encoders write, without a copy of its own.</summary>
internal sealed class BufferWriterStream(IBufferWriter<byte> destination) : WriteForwardStream
{
    protected override string Carries => "An encoder's output";

    public override void Write(ReadOnlySpan<byte> buffer) => destination.Write(buffer);

    public override void Write(byte[] buffer, int offset, int count) => destination.Write(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }
}
