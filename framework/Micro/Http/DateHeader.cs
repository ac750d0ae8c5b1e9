using System.Text;

namespace Micro.Http;

/// <summary>The <c>Date</c> header line, formatted once a second by the reactors' tick rather than per response.</summary>
internal static class DateHeader
{
    private static byte[] _line = Format(DateTimeOffset.UtcNow);
    private static long _second;

    /// <summary>"Date: Tue, 24 Nov 2026 07:30:00 GMT\r\n".</summary>
    public static ReadOnlySpan<byte> Line => Volatile.Read(ref _line);

    public static void Refresh()
    {
        var now = DateTimeOffset.UtcNow;
        var second = now.ToUnixTimeSeconds();
        if (Interlocked.Exchange(ref _second, second) != second)
        {
            Volatile.Write(ref _line, Format(now));
        }
    }

    private static byte[] Format(DateTimeOffset now) => Encoding.ASCII.GetBytes($"Date: {now:r}\r\n");
}
