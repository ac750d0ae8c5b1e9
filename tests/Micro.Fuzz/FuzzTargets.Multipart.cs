using System.Text;
using Micro.Forms;

namespace Micro.Fuzz;

internal static partial class FuzzTargets
{
    /// <summary>
    /// The multipart/form-data reader over a body the input supplies (boundary "XyZ"): every part is read to its end,
    /// and the only way out of a bad body is a <see cref="Microsoft.AspNetCore.Http.BadHttpRequestException"/> with a 4xx status.
    /// </summary>
    private static void Multipart(byte[] input)
    {
        var reader = new MultipartFormReader("multipart/form-data; boundary=XyZ", new MemoryStream(input, writable: false), maxParts: 1000);
        try
        {
            ReadAll(reader).GetAwaiter().GetResult();
        }
        catch (Microsoft.AspNetCore.Http.BadHttpRequestException error) when (error.StatusCode is >= 400 and < 500)
        {
            // the body was refused with a status: what must happen to bad input
        }
    }

    private static async Task ReadAll(MultipartFormReader reader)
    {
        var buffer = new byte[4096];
        await foreach (var part in reader)
        {
            if (string.IsNullOrEmpty(part.Name))
            {
                Fail("a part without a name was handed out");
            }
            long length = 0;
            int read;
            while ((read = await part.Body.ReadAsync(buffer)) > 0)
            {
                length += read;
            }
            _ = Encoding.UTF8.GetByteCount(part.Name) + length;
        }
    }
}
