using System.Text;

namespace Micro.Soak;

/// <summary>A request the chaos clients send to tests/TargetApp, with the answer it must get.</summary>
internal sealed record PlannedRequest(byte[] Bytes, string Body, bool Close)
{
    private static readonly string[] Alphabet = ["a", "b", "0", "Z", " ", "-", "é", "\n"];

    /// <summary>One of TargetApp's routes, with a body, a chunked upload or a streamed answer as the dice fall.</summary>
    public static PlannedRequest Random(Random random, bool close)
    {
        // Some ask for gzip (compression then acts: buffered bodies and streamed chunks come compressed), some come
        // from a browser's other origin (CORS acts): the rest pass both without their acting.
        var connection = (close ? "Connection: close\r\n" : "")
            + (random.Next(3) == 0 ? "Accept-Encoding: gzip\r\n" : "")
            + (random.Next(4) == 0 ? "Origin: https://soak.example\r\n" : "");
        switch (random.Next(6))
        {
            case 0:
                return new(Encoding.ASCII.GetBytes($"GET / HTTP/1.1\r\nHost: soak\r\n{connection}\r\n"), "Hello, World!", close);
            case 1:
                var ms = random.Next(0, 30);
                return new(Encoding.ASCII.GetBytes($"GET /slow/{ms} HTTP/1.1\r\nHost: soak\r\n{connection}\r\n"), "slow", close);
            case 2:
                var lines = random.Next(0, 400);
                return new(Encoding.ASCII.GetBytes($"GET /stream/{lines} HTTP/1.1\r\nHost: soak\r\n{connection}\r\n"), Lines(lines), close);
            case 3:
            {
                var body = Text(random, random.Next(0, 4096));
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: soak\r\nContent-Length: {bytes.Length}\r\n{connection}\r\n");
                return new([.. head, .. bytes], body, close);
            }
            case 4:
            {
                // Chunked, to /echo (buffered whole before the handler) or /stream-echo (streamed to a handler already running).
                var path = random.Next(2) == 0 ? "/echo" : "/stream-echo";
                var body = Text(random, random.Next(0, 8192));
                var bytes = Encoding.UTF8.GetBytes(body);
                var request = new List<byte>(Encoding.ASCII.GetBytes($"POST {path} HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n{connection}\r\n"));
                for (var offset = 0; offset < bytes.Length;)
                {
                    var size = Math.Min(bytes.Length - offset, random.Next(1, 3000));
                    request.AddRange(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
                    request.AddRange(bytes.AsSpan(offset, size));
                    request.AddRange("\r\n"u8);
                    offset += size;
                }
                request.AddRange("0\r\n\r\n"u8);
                return new([.. request], body, close);
            }
            default:
                return new(Encoding.ASCII.GetBytes($"GET /?q={random.Next()} HTTP/1.1\r\nHost: soak\r\nCookie: a=1\r\n{connection}\r\n"), "Hello, World!", close);
        }
    }

    public static string Lines(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append("chunk ").Append(i).Append('\n');
        }
        return text.ToString();
    }

    private static string Text(Random random, int length)
    {
        var text = new StringBuilder(length);
        while (text.Length < length)
        {
            text.Append(Alphabet[random.Next(Alphabet.Length)]);
        }
        return text.ToString();
    }
}
