using System.Buffers;
using System.Text;
using TechEmpower.Data;

namespace TechEmpower;

/// <summary>The /fortunes page: the benchmark's exact HTML, every message escaped, written as UTF-8 into a reusable buffer.</summary>
public static class FortunesPage
{
    public const string ContentType = "text/html; charset=utf-8";

    /// <summary>Writes the page for <paramref name="fortunes"/> (already sorted) into <paramref name="output"/>.</summary>
    public static void Render(List<Fortune> fortunes, IBufferWriter<byte> output)
    {
        Write(output, "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table><tr><th>id</th><th>message</th></tr>"u8);
        Span<byte> number = stackalloc byte[11];
        foreach (var fortune in fortunes)
        {
            Write(output, "<tr><td>"u8);
            fortune.Id.TryFormat(number, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
            Write(output, number[..written]);
            Write(output, "</td><td>"u8);
            WriteEscaped(output, fortune.Message);
            Write(output, "</td></tr>"u8);
        }
        Write(output, "</table></body></html>"u8);
    }

    /// <summary>HTML-escapes the five characters that matter (&amp; &lt; &gt; &quot; &#39;); everything else stays UTF-8 as it is.</summary>
    public static void WriteEscaped(IBufferWriter<byte> output, string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var entity = text[i] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '"' => "&quot;"u8,
                '\'' => "&#39;"u8,
                _ => default,
            };
            if (entity.IsEmpty)
            {
                continue;
            }
            WriteUtf8(output, text.AsSpan(start, i - start));
            Write(output, entity);
            start = i + 1;
        }
        WriteUtf8(output, text.AsSpan(start));
    }

    private static void WriteUtf8(IBufferWriter<byte> output, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }
}
