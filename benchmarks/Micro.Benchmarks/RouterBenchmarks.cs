using Micro.Routing;

namespace Micro.Benchmarks;

/// <summary>Route lookup: a static route, a one-parameter route, and the deepest route of a 500-route tree.</summary>
[MemoryDiagnoser]
public class RouterBenchmarks
{
    private readonly RouteTable<string> _small = new();
    private readonly RouteTable<string> _large = new();
    private readonly byte[] _get = "GET"u8.ToArray();
    private readonly byte[] _staticPath = "/plaintext"u8.ToArray();
    private readonly byte[] _parameterPath = "/users/12345"u8.ToArray();
    private readonly byte[] _deepPath = Encoding.ASCII.GetBytes("/api/v4/resource499/1497/detail2");
    private readonly ByteRange[] _captures = new ByteRange[4];

    public RouterBenchmarks()
    {
        _small.Add("GET", "/plaintext", "plaintext");
        _small.Add("GET", "/json", "json");
        _small.Add("GET", "/users/:id", "user");
        for (var i = 0; i < 500; i++)
        {
            _large.Add("GET", $"/api/v{i % 5}/resource{i}/:id/detail{i % 7}", $"route{i}");
        }
    }

    [Benchmark]
    public string? Static() => _small.Match(_get, _staticPath, _captures).Handler;

    [Benchmark]
    public string? OneParameter() => _small.Match(_get, _parameterPath, _captures).Handler;

    [Benchmark]
    public string? DeepIn500Routes() => _large.Match(_get, _deepPath, _captures).Handler;
}
