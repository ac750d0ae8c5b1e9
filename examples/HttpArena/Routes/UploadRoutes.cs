using System.Buffers;
using Micro;
using Micro.Parser;

namespace HttpArena.Routes;

/// <summary>upload: counts the bytes of a body of up to 20 MB as it arrives, holding 64 KiB of it at a time.</summary>
public static class UploadRoutes
{
    /// <summary>For <see cref="MicroServerOptions.StreamRequestBody"/>: POST /upload's body is streamed to its handler.</summary>
    public static bool StreamsBody(RequestHead head, ReadOnlySpan<byte> headBytes) =>
        head.Method == RequestMethod.Post && head.Path.Of(headBytes).SequenceEqual("/upload"u8);

    public static void Map(MicroApp app)
    {
        app.Post("/upload", async (req, res) =>
        {
            var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                long total = 0;
                var body = req.BodyStream;
                int read;
                while ((read = await body.ReadAsync(buffer)) > 0)
                {
                    total += read;
                }
                res.Send(total.ToString());
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        });
    }
}
