using Micro.Parser.LLHttp;

namespace Micro.Benchmarks;

/// <summary>Micro.Parser against llhttp (through its P/Invoke binding) on the same request heads.</summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private readonly RequestHead _head = new();
    private readonly LLHttpRequestParser _llhttp = new();
    private readonly LLHttpResult _llhttpResult = new();
    private readonly HttpParserLimits _limits = HttpParserLimits.Default;

    [Benchmark]
    public int Micro_TechEmpowerPlaintext() => ParseMicro(Requests.TechEmpowerPlaintext);

    [Benchmark]
    public int LLHttp_TechEmpowerPlaintext() => ParseLLHttp(Requests.TechEmpowerPlaintext);

    [Benchmark]
    public int Micro_ArenaPipeline() => ParseMicro(Requests.ArenaPipeline);

    [Benchmark]
    public int LLHttp_ArenaPipeline() => ParseLLHttp(Requests.ArenaPipeline);

    [Benchmark]
    public int Micro_Browser() => ParseMicro(Requests.Browser);

    [Benchmark]
    public int LLHttp_Browser() => ParseLLHttp(Requests.Browser);

    [Benchmark]
    public int Micro_Pipelined16()
    {
        var buffer = Requests.Pipelined16.AsSpan();
        var offset = 0;
        while (offset < buffer.Length)
        {
            _head.Reset();
            RequestParser.Parse(buffer[offset..], _head, _limits);
            offset += _head.HeadLength;
        }
        return offset;
    }

    [Benchmark]
    public int LLHttp_Pipelined16()
    {
        var buffer = Requests.Pipelined16.AsSpan();
        var offset = 0;
        while (offset < buffer.Length)
        {
            _llhttp.Parse(buffer[offset..], _llhttpResult);
            offset += _llhttpResult.HeadLength;
        }
        return offset;
    }

    [GlobalCleanup]
    public void Cleanup() => _llhttp.Dispose();

    private int ParseMicro(byte[] request)
    {
        _head.Reset();
        RequestParser.Parse(request, _head, _limits);
        return _head.HeadLength;
    }

    private int ParseLLHttp(byte[] request)
    {
        _llhttp.Parse(request, _llhttpResult);
        return _llhttpResult.HeadLength;
    }
}
