using Micro.WebSockets;

namespace Micro.Benchmarks;

/// <summary>
/// permessage-deflate's cost per window size (issue 20): one 64 KiB JSON-like message compressed at level 1 with a
/// sync flush and a reset after it, as the server does without context takeover, with zlib's default memory level (8)
/// against the level Micro chooses for the window (<see cref="Zlib.MemoryLevelFor"/>).
/// </summary>
[MemoryDiagnoser]
public unsafe class DeflateWindowBenchmarks
{
    private byte[] _message = [];
    private byte[] _output = [];
    private Zlib.Stream* _default;
    private Zlib.Stream* _chosen;

    [Params(9, 10, 12, 15)]
    public int WindowBits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        string[] words = ["alpha", "beta", "gamma", "delta", "user", "message", "room", "id", "text", "time", "value", "status"];
        var json = new StringBuilder("[");
        while (json.Length < 64 * 1024)
        {
            json.Append($"{{\"{words[random.Next(words.Length)]}\":\"{words[random.Next(words.Length)]}{random.Next(100_000)}\",\"n\":{random.Next(1000)}}},");
        }
        _message = Encoding.ASCII.GetBytes(json.ToString(0, 64 * 1024));
        _output = new byte[_message.Length + 1024];
        _default = Zlib.NewDeflater(1, WindowBits, Zlib.DefaultMemoryLevel);
        _chosen = Zlib.NewDeflater(1, WindowBits);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Zlib.FreeDeflater(_default);
        Zlib.FreeDeflater(_chosen);
    }

    [Benchmark(Baseline = true)]
    public int DefaultMemoryLevel() => Compress(_default);

    [Benchmark]
    public int MemoryLevelForTheWindow() => Compress(_chosen);

    private int Compress(Zlib.Stream* stream)
    {
        fixed (byte* input = _message)
        fixed (byte* output = _output)
        {
            stream->NextIn = input;
            stream->AvailableIn = (uint)_message.Length;
            stream->NextOut = output;
            stream->AvailableOut = (uint)_output.Length;
            Zlib.Deflate(stream, Zlib.SyncFlush);
            var written = _output.Length - (int)stream->AvailableOut;
            Zlib.DeflateReset(stream);
            return written;
        }
    }
}
