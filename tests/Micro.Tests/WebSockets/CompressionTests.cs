using System.IO.Compression;
using System.Net.WebSockets;
using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>Issue 12: permessage-deflate (RFC 7692): negotiated when asked, with .NET's and Python's clients, and its hostile cases.</summary>
public sealed class CompressionTests
{
    private static WebSocketApp CompressingServer(bool contextTakeover = false, int maxMessageSize = 1024 * 1024) =>
        new(options: new Micro.WebSockets.WebSocketOptions { MaxMessageSize = maxMessageSize, Compression = new WebSocketCompression { ContextTakeover = contextTakeover } });

    [Theory]
    [InlineData("permessage-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [InlineData("permessage-deflate; client_max_window_bits", "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [InlineData("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10")]
    [InlineData("permessage-deflate; server_max_window_bits=15", "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=15")] // named, so answered (RFC 7692 7.1.2.1)
    [InlineData("permessage-deflate; server_max_window_bits=8, permessage-deflate", "permessage-deflate; server_no_context_takeover; client_no_context_takeover")]
    [InlineData("permessage-deflate; unknown_parameter, x-webkit-deflate-frame", null)]
    [InlineData("permessage-deflate; server_no_context_takeover; server_no_context_takeover", null)]
    [InlineData("permessage-deflate; client_max_window_bits=16", null)]
    [InlineData("x-webkit-deflate-frame", null)]
    public void The_first_acceptable_offer_is_agreed_and_the_rest_declined(string offers, string? agreed)
    {
        Assert.Equal(agreed, DeflateNegotiation.Negotiate(offers, new WebSocketCompression())?.ResponseHeader);
    }

    [Theory]
    [InlineData(9, 4)]
    [InlineData(11, 4)]
    [InlineData(12, 5)]
    [InlineData(14, 7)]
    [InlineData(15, 8)]
    public void The_compressors_memory_level_follows_its_window(int windowBits, int memoryLevel)
    {
        // Issue 20: zlib's default table (level 8) with a 9-bit window, which any client may ask for, cost about 10x the
        // CPU of the default window: the table is rebased every time the small window slides.
        Assert.Equal(memoryLevel, Zlib.MemoryLevelFor(windowBits));
    }

    [Fact]
    public async Task A_client_asking_for_the_smallest_window_gets_messages_it_can_inflate_with_it()
    {
        await using var server = CompressingServer();
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n");
        await using (client)
        {
            Assert.Contains("server_max_window_bits=9", head);
            var text = string.Concat(Enumerable.Range(0, 3000).Select(i => $"word{i % 97} "));
            await client.SendTextAsync(text);
            var frame = await client.ReadFrameAsync();
            Assert.Equal(4, frame!.Reserved);
            // Inflated with a 9-bit window only: a stream that reached further back would fail here.
            Assert.Equal(text, Encoding.UTF8.GetString(RawInflate(frame.Payload, windowBits: 9)));
        }
    }

    [Fact]
    public void Without_compression_configured_every_offer_is_declined() =>
        Assert.Null(DeflateNegotiation.Negotiate("permessage-deflate", null));

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public async Task ClientWebSocket_with_deflate_round_trips_compressible_and_random_messages(bool serverTakeover, bool clientTakeover)
    {
        await using var server = CompressingServer(serverTakeover);
        using var client = new ClientWebSocket();
        client.Options.DangerousDeflateOptions = new WebSocketDeflateOptions { ClientContextTakeover = clientTakeover, ServerContextTakeover = true };
        await client.ConnectAsync(server.Url("/echo"), CancellationToken.None);
        var buffer = new byte[512 * 1024];
        var text = string.Concat(Enumerable.Repeat("the same words again and again, ", 2000));
        var random = new byte[100_000];
        new Random(7).NextBytes(random);
        for (var i = 0; i < 3; i++) // more than one: the windows carry over, or are reset, as agreed
        {
            await client.SendAsync(Encoding.UTF8.GetBytes(text), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
            Assert.Equal(text, Encoding.UTF8.GetString(buffer, 0, await ReceiveWholeAsync(client, buffer)));
            await client.SendAsync(random, System.Net.WebSockets.WebSocketMessageType.Binary, true, CancellationToken.None);
            Assert.True(buffer.AsSpan(0, await ReceiveWholeAsync(client, buffer)).SequenceEqual(random));
            await client.SendAsync("tiny"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None); // under MinSize: sent as it is
            Assert.Equal("tiny", Encoding.UTF8.GetString(buffer, 0, await ReceiveWholeAsync(client, buffer)));
        }
        await client.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
    }

    [Fact]
    public async Task The_server_compresses_what_it_sends_and_a_raw_client_reads_it_with_the_flush_tail_restored()
    {
        await using var server = CompressingServer();
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        await using (client)
        {
            Assert.Contains("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n", head);
            var text = string.Concat(Enumerable.Repeat("abcabcabc", 500));
            await client.SendTextAsync(text); // uncompressed from the client: allowed, per message
            var frame = await client.ReadFrameAsync();
            Assert.Equal(4, frame!.Reserved); // RSV1: compressed
            Assert.True(frame.Payload.Length < text.Length / 10);
            Assert.Equal(text, Encoding.UTF8.GetString(RawInflate([.. frame.Payload, 0x00, 0x00, 0xFF, 0xFF])));
        }
    }

    [Fact]
    public async Task A_small_message_that_inflates_past_the_limit_is_refused_with_1009()
    {
        await using var server = CompressingServer(maxMessageSize: 64 * 1024);
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        await using (client)
        {
            var bomb = RawDeflate(new byte[10 * 1024 * 1024], CompressionLevel.SmallestSize); // 10 MiB of zeros, about 10 KB compressed
            Assert.True(bomb.Length < 64 * 1024);
            await client.SendRawAsync(RawWebSocket.Encode(2, bomb, reserved: 4));
            Assert.Equal(1009, (await client.ReadCloseAsync()).CloseCode);
        }
    }

    [Theory]
    [InlineData("garbage that is not deflate", 1007, "not valid deflate")]
    [InlineData("rsv1 on a continuation", 1002, "RSV1 is set on a continuation frame")]
    [InlineData("rsv1 on a ping", 1002, "RSV1 is set on a control frame")] // not "no extension was agreed": one was
    [InlineData("compressed invalid utf-8", 1007, "not valid UTF-8")]
    public async Task Broken_compressed_frames_close_with_their_code(string violation, int code, string reason)
    {
        await using var server = CompressingServer();
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo", "Sec-WebSocket-Extensions: permessage-deflate\r\n");
        await using (client)
        {
            byte[] frames = violation switch
            {
                "garbage that is not deflate" => RawWebSocket.Encode(2, [0xFF, 0xFF, 0xFF, 0xFF, 0x12], reserved: 4),
                "rsv1 on a continuation" => [.. RawWebSocket.Encode(2, RawDeflate("ab"u8.ToArray()), fin: false, reserved: 4), .. RawWebSocket.Encode(0, [1], reserved: 4)],
                "rsv1 on a ping" => RawWebSocket.Encode(9, [], reserved: 4),
                _ => RawWebSocket.Encode(1, RawDeflate([0x61, 0xC3, 0x28]), reserved: 4),
            };
            await client.SendRawAsync(frames);
            var close = await client.ReadCloseAsync();
            Assert.True(close.CloseCode == code, violation);
            Assert.Contains(reason, Encoding.UTF8.GetString(close.Payload.AsSpan(2)));
        }
    }

    [Fact]
    public async Task Pythons_websockets_client_agrees_deflate_and_round_trips()
    {
        await using var server = CompressingServer();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var start = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(Repository.Root, "tests", "Micro.Tests", "WebSockets", "python_client.py"));
        start.ArgumentList.Add(server.EndPoint.ToString());
        start.ArgumentList.Add("--expect-deflate");
        using var python = System.Diagnostics.Process.Start(start)!;
        var output = python.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = python.StandardError.ReadToEndAsync(deadline.Token);
        await python.WaitForExitAsync(deadline.Token);
        Assert.True(python.ExitCode == 0, $"python3 python_client.py --expect-deflate failed ({python.ExitCode}):\n{await output}\n{await errors}");
        Assert.Contains("ok binary, fragments, ping", await output);
    }

    private static async Task<int> ReceiveWholeAsync(ClientWebSocket client, byte[] buffer)
    {
        var total = 0;
        ValueWebSocketReceiveResult part;
        do
        {
            part = await client.ReceiveAsync(buffer.AsMemory(total), CancellationToken.None);
            total += part.Count;
        }
        while (!part.EndOfMessage);
        return total;
    }

    /// <summary>Raw deflate with a sync flush and the tail removed, as a client would send a compressed message.</summary>
    private static byte[] RawDeflate(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, level, leaveOpen: true))
        {
            deflate.Write(data);
            deflate.Flush();
        }
        var bytes = output.ToArray();
        var tail = bytes.AsSpan().IndexOf((ReadOnlySpan<byte>)[0x00, 0x00, 0xFF, 0xFF]);
        return tail >= 0 ? bytes[..tail] : bytes;
    }

    /// <summary>Inflates a compressed message (its flush tail restored) with zlib limited to <paramref name="windowBits"/>: data that reaches further back fails.</summary>
    private static unsafe byte[] RawInflate(byte[] message, int windowBits)
    {
        byte[] data = [.. message, 0x00, 0x00, 0xFF, 0xFF];
        var stream = Zlib.NewInflater(windowBits);
        try
        {
            var output = new byte[1024 * 1024];
            fixed (byte* input = data)
            fixed (byte* into = output)
            {
                stream->NextIn = input;
                stream->AvailableIn = (uint)data.Length;
                stream->NextOut = into;
                stream->AvailableOut = (uint)output.Length;
                var result = Zlib.Inflate(stream, Zlib.SyncFlush);
                Assert.True(result is Zlib.Ok or Zlib.StreamEnd, $"inflate with a {windowBits}-bit window failed ({result})");
                return output[..(output.Length - (int)stream->AvailableOut)];
            }
        }
        finally
        {
            Zlib.FreeInflater(stream);
        }
    }

    private static byte[] RawInflate(byte[] data)
    {
        using var input = new MemoryStream(data);
        using var inflate = new DeflateStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        try
        {
            inflate.CopyTo(output);
        }
        catch (InvalidDataException)
        {
            // the sync-flushed stream has no final block: what was inflated before the end is the message
        }
        return output.ToArray();
    }
}
