// Parses one HTTP/1.1 request and prints what Micro.Parser found: the head, every header, the framing, and the
// decoded body. The request comes from a file named as the argument, from standard input with "-", or, with no
// argument, from a built-in sample. Exit code: 0 parsed, 1 refused, 2 incomplete.
using System.Text;
using Micro.Parser;

const string Sample =
    "POST /orders?notify=true HTTP/1.1\r\nHost: localhost:8080\r\nContent-Type: application/json\r\n" +
    "Transfer-Encoding: chunked\r\nUser-Agent: curl/8.5.0\r\n\r\n" +
    "d\r\n{\"item\": \"tea\"\r\n1\r\n}\r\n0\r\n\r\n";

var input = args.Length == 0 ? Encoding.ASCII.GetBytes(Sample)
    : args[0] == "-" ? ReadAll(Console.OpenStandardInput())
    : File.ReadAllBytes(args[0]);
var head = new RequestHead();
var status = RequestParser.Parse(input, head, HttpParserLimits.Default);
switch (status)
{
    case ParseStatus.Incomplete:
        Console.WriteLine($"incomplete: {input.Length} bytes and the head has not ended");
        return 2;
    case ParseStatus.Error:
        Console.WriteLine($"refused: {head.Error.StatusCode()} {head.Error} ({head.Error.Describe()})");
        return 1;
}

Console.WriteLine($"method:     {Text(head.MethodRange)} ({head.Method})");
Console.WriteLine($"target:     {Text(head.Target)} ({head.TargetForm})");
Console.WriteLine($"path:       {Text(head.Path)}");
Console.WriteLine($"query:      {(head.HasQuery ? Text(head.Query) : "(none)")}");
Console.WriteLine($"version:    {head.Version}");
Console.WriteLine($"host:       {(head.HasHost ? Text(head.Host) : "(none)")}");
Console.WriteLine($"keep-alive: {head.KeepAlive}; expect 100-continue: {head.ExpectContinue}; upgrade: {head.ConnectionUpgrade}");
Console.WriteLine($"framing:    {head.Framing}{(head.Framing == BodyFraming.ContentLength ? $" ({head.ContentLength} bytes)" : "")}");
Console.WriteLine($"head:       {head.HeadLength} bytes, {head.HeaderCount} headers");
foreach (var header in head.Headers)
{
    Console.WriteLine($"  {Text(header.Name)}: {Text(header.Value)}");
}

var rest = input.AsSpan(head.HeadLength);
if (head.Framing == BodyFraming.ContentLength)
{
    var available = (int)Math.Min(head.ContentLength, rest.Length);
    Console.WriteLine($"body:       {available} of {head.ContentLength} bytes present");
}
else if (head.Framing == BodyFraming.Chunked)
{
    var decoder = new ChunkedDecoder();
    long total = 0;
    while (true)
    {
        var result = decoder.Decode(rest, out var consumed, out var data);
        total += data.Length;
        rest = rest[consumed..];
        if (result == ChunkedDecodeStatus.Data)
        {
            continue;
        }
        Console.WriteLine(result switch
        {
            ChunkedDecodeStatus.Completed => $"body:       chunked, {total} bytes decoded",
            ChunkedDecodeStatus.Error => $"body:       refused after {total} bytes: {decoder.Error.StatusCode()} {decoder.Error.Describe()}",
            _ => $"body:       chunked, {total} bytes decoded so far, incomplete",
        });
        break;
    }
}
return 0;

string Text(ByteRange range) => Encoding.Latin1.GetString(range.Of(input));

static byte[] ReadAll(Stream stream)
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    return memory.ToArray();
}
