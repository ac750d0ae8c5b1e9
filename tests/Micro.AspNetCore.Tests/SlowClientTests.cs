using System.Buffers;

namespace Micro.AspNetCore.Tests;

/// <summary>A client that stops reading holds the app back: what the server holds for it stays bounded, on every server.</summary>
public sealed class SlowClientTests
{
    [Theory]
    [OnEveryServer]
    public async Task A_client_that_does_not_read_holds_the_app_back_instead_of_growing_the_buffers(ServerKind server)
    {
        var blockedAfter = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await ServedApp.StartAsync(server, web => web.MapGet("/flood", async (HttpContext context) =>
        {
            var chunk = new byte[64 * 1024];
            long written = 0;
            while (!context.RequestAborted.IsCancellationRequested && written < 1L << 30)
            {
                context.Response.BodyWriter.Write(chunk);
                written += chunk.Length;
                var flush = context.Response.BodyWriter.FlushAsync(context.RequestAborted);
                if (!flush.IsCompleted)
                {
                    blockedAfter.TrySetResult(written); // the flush waits for the client: the app is held back
                }
                try
                {
                    if ((await flush).IsCompleted)
                    {
                        return;
                    }
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            blockedAfter.TrySetResult(written);
        }));
        var client = await RawHttpClient.ConnectAsync(app.Address);
        await using (client)
        {
            await client.SendAsync("GET /flood HTTP/1.1\r\nHost: x\r\n\r\n");
            var written = await blockedAfter.Task.WaitAsync(TimeSpan.FromSeconds(60));
            // The kernel's socket buffers on both sides (a few MiB on loopback), the server's output high-water mark
            // and the 64 KiB in flight: far below the 1 GiB the app would write if nothing held it back.
            Assert.InRange(written, 64 * 1024, 32L * 1024 * 1024);
            client.Reset();
        }
        await app.AssertServesNewConnectionsAsync();
    }
}
