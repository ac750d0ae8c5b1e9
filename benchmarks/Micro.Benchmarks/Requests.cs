namespace Micro.Benchmarks;

/// <summary>The inputs the parser benchmarks share.</summary>
internal static class Requests
{
    /// <summary>The exact request TechEmpower's plaintext test sends (wrk's pipeline script).</summary>
    public static readonly byte[] TechEmpowerPlaintext = Encoding.ASCII.GetBytes(Samples.SampleRequests.TechEmpowerPlaintext);

    /// <summary>A browser navigation: about 750 bytes, 16 headers.</summary>
    public static readonly byte[] Browser = Encoding.ASCII.GetBytes(Samples.SampleRequests.Browser);

    /// <summary>The request HttpArena's pipelined profile sends (its requests/pipeline.raw): 48 bytes, Host only.</summary>
    public static readonly byte[] ArenaPipeline = "GET /pipeline HTTP/1.1\r\nHost: localhost:8080\r\n\r\n"u8.ToArray();

    /// <summary>16 plaintext requests back to back in one buffer, as TechEmpower's pipelined test sends them.</summary>
    public static readonly byte[] Pipelined16 = [.. Enumerable.Repeat(TechEmpowerPlaintext, 16).SelectMany(bytes => bytes)];

    /// <summary>A 16 KiB chunked body in chunks of 1 KiB, with one extension and one trailer.</summary>
    public static readonly byte[] ChunkedBody = Encoding.ASCII.GetBytes(
        string.Concat(Enumerable.Repeat("400;name=value\r\n" + new string('x', 1024) + "\r\n", 16)) + "0\r\nX-Checksum: 1234\r\n\r\n");
}
