using System.Security.Cryptography;
using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>
/// Issue 20: a frame's declared length is a promise, and reserves nothing. A 15-byte header declaring a payload up to
/// MaxMessageSize, followed by one byte, made the server rent the whole megabyte and hold it while the client idled:
/// 300 such connections took the managed heap from 1 to 301 MiB. Measured over the whole process, hence alone.
/// </summary>
[Collection(nameof(Http.AllocationTests))]
public sealed class DeclaredLengthTests
{
    private const int Connections = 300;

    [Fact]
    public async Task Frames_that_declare_a_megabyte_and_send_a_byte_hold_a_small_buffer_each()
    {
        await using var server = new WebSocketApp();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var clients = new List<RawWebSocket>();
        try
        {
            // The connections first (their clients live in this process too), then what the frames cost from a full collection.
            await OpenAsync(server, clients, Connections);
            var before = GC.GetTotalMemory(forceFullCollection: true);
            var header = RawWebSocket.Encode(2, [0x42], fin: true, declaredLength: server.Options.MaxMessageSize);
            foreach (var client in clients)
            {
                await client.SendRawAsync(header);
            }
            await ServerReads.WaitUntilReadAsync(server.App.Server!, clients.Select(client => client.LocalEndPoint), deadline.Token);
            var held = GC.GetTotalMemory(forceFullCollection: true) - before;

            // Renting what was declared: 300 MiB. Growing with what came: at most one of the reactor's 16 KiB blocks each.
            Assert.InRange(held, 0, Connections * 24 * 1024);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }
        await ServerHealth.AssertEveryReactorAnswersAsync(server.App.Server!);
    }

    [Theory]
    [InlineData(1)]        // a byte per read
    [InlineData(1_000)]
    [InlineData(70_000)]   // more than a read at a time
    public async Task A_message_grown_as_it_arrives_is_delivered_whole_up_to_the_limit(int piece)
    {
        await using var server = new WebSocketApp(options: new WebSocketOptions { MaxMessageSize = 300_000 });
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await using (client)
        {
            Assert.StartsWith("HTTP/1.1 101", head);
            var payload = RandomNumberGenerator.GetBytes(piece == 1 ? 40_000 : 300_000);
            // Two frames of one message: the second grows the buffer the first began.
            var first = RawWebSocket.Encode(2, payload.AsSpan(0, payload.Length / 3), fin: false);
            var second = RawWebSocket.Encode(0, payload.AsSpan(payload.Length / 3), fin: true);
            byte[] wire = [.. first, .. second];
            for (var sent = 0; sent < wire.Length; sent += piece)
            {
                await client.SendRawAsync(wire[sent..Math.Min(wire.Length, sent + piece)]);
            }
            var echoed = await client.ReadFrameAsync();
            Assert.Equal(payload, echoed!.Payload);

            // One byte over the limit, declared: refused from the header alone (1009), as before.
            await client.SendRawAsync(RawWebSocket.Encode(2, [1], declaredLength: 300_001));
            Assert.Equal(1009, (await client.ReadCloseAsync()).CloseCode);
        }
    }

    private static async Task OpenAsync(WebSocketApp server, List<RawWebSocket> clients, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
            clients.Add(client);
            Assert.StartsWith("HTTP/1.1 101", head);
        }
    }
}
