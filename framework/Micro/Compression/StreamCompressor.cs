using System.Buffers;
using System.IO.Compression;

namespace Micro.Compression;

/// <summary>
/// Compresses a streamed response chunk by chunk: each chunk the handler writes is compressed and flushed (a sync
/// flush, so the client can decode it at once), then sent as a chunk of its own; the coding's end is written when the
/// handler is done. Made only for a streamed response that is compressed.
/// </summary>
internal sealed class StreamCompressor : IDisposable
{
    private readonly ArrayBufferWriter<byte> _compressed = new(4096);
    private readonly Stream _encoder;

    public StreamCompressor(ContentCoding coding, CompressionLevel level)
    {
        var sink = new BufferWriterStream(_compressed);
        _encoder = coding == ContentCoding.Brotli ? new BrotliStream(sink, level) : new GZipStream(sink, level);
    }

    /// <summary>Compresses <paramref name="chunk"/> and flushes; returns the compressed bytes, valid until the next call.</summary>
    public ReadOnlyMemory<byte> Compress(ReadOnlySpan<byte> chunk)
    {
        _compressed.ResetWrittenCount();
        _encoder.Write(chunk);
        _encoder.Flush();
        return _compressed.WrittenMemory;
    }

    /// <summary>Ends the coding (gzip's trailer, Brotli's last block); returns those bytes.</summary>
    public ReadOnlyMemory<byte> Finish()
    {
        _compressed.ResetWrittenCount();
        _encoder.Dispose();
        return _compressed.WrittenMemory;
    }

    public void Dispose() => _encoder.Dispose();
}
