namespace Micro.Benchmarks;

/// <summary>Decoding a 16 KiB chunked body: the per-chunk framing cost, since data runs come back as ranges.</summary>
[MemoryDiagnoser]
public class ChunkedDecoderBenchmarks
{
    private readonly ChunkedDecoder _decoder = new();

    [Benchmark]
    public long Decode16KiBIn1KiBChunks()
    {
        _decoder.Reset();
        var input = Requests.ChunkedBody.AsSpan();
        long total = 0;
        while (_decoder.Decode(input, out var consumed, out var data) == ChunkedDecodeStatus.Data)
        {
            total += data.Length;
            input = input[consumed..];
        }
        return total;
    }
}
