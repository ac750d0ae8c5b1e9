using System.Collections.Concurrent;
using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>
/// What the reactor allocates while echoing: nothing per message. Two things did: the runtime's post of the handler's
/// continuation to the reactor's context (a delegate each time), and message buffers from the shared ArrayPool, which
/// keeps too few to cover a hundred connections each holding its message until the handler asks for the next.
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed class EchoAllocationTests
{
    private const int Clients = 100;

    [Fact]
    public async Task Echoing_10000_messages_over_100_connections_allocates_nothing_per_message()
    {
        var marks = new ConcurrentQueue<(long Bytes, long Blocks)>();
        var app = new MicroApp(new MicroServerOptions { ReactorCount = 1 }); // every connection on the thread measured
        app.WebSocket("/echo", async (ws, req) =>
        {
            await foreach (var message in ws)
            {
                if (message.Data.Span.SequenceEqual("mark"u8))
                {
                    marks.Enqueue((GC.GetAllocatedBytesForCurrentThread(), Micro.Transport.BlockPool.BlocksAllocatedOnThisThread));
                }
                await ws.SendAsync(message.Data, message.Type);
            }
        });
        app.Listen(0);
        try
        {
            var clients = new RawWebSocket[Clients];
            for (var i = 0; i < Clients; i++)
            {
                (clients[i], _) = await RawWebSocket.ConnectAsync(app.EndPoints[0], "/echo");
            }
            var payload = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"u8.ToArray();
            await EchoAsync(clients, payload, 30); // warm-up: pools filled, code compiled
            await MarkAsync(clients[0]);
            await EchoAsync(clients, payload, 100); // 10,000 messages, all connections at once
            await MarkAsync(clients[0]);
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
        finally
        {
            await app.StopAsync();
        }
        var measured = marks.ToArray();
        Assert.Equal(2, measured.Length);
        // The reactor's block pool may grow when more connections hold a message, leftover input or output at once than
        // during the warm-up (at most a few blocks each, kept for later): that is not garbage. Nor is its work queue
        // doubling when more continuations wait at once than ever before (an array of 16-byte entries, kept): on a
        // loaded machine (the other test projects running beside this one) that added 8,200-8,400 bytes in one go. A
        // delegate or a buffer per message would be at least 24 bytes times 10,000 (240 KB).
        var poolGrowth = (measured[1].Blocks - measured[0].Blocks) * (16 * 1024 + 24);
        Assert.InRange(measured[1].Bytes - measured[0].Bytes - poolGrowth, 0, 64 * 1024);
    }

    private static Task EchoAsync(RawWebSocket[] clients, byte[] payload, int rounds) =>
        Task.WhenAll(clients.Select(async client =>
        {
            for (var i = 0; i < rounds; i++)
            {
                await client.SendFrameAsync(2, payload);
                var echo = await client.ReadFrameAsync();
                Assert.Equal(payload, echo!.Payload);
            }
        }));

    private static async Task MarkAsync(RawWebSocket client)
    {
        await client.SendFrameAsync(2, "mark"u8.ToArray());
        Assert.Equal("mark", (await client.ReadFrameAsync())!.Text);
    }
}
