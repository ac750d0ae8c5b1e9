namespace Micro.Tests.WebSockets;

/// <summary>
/// Issue 12: frames as RFC 6455 section 5 defines them and what the Autobahn TestSuite checks of them (its cases 1 to
/// 7): a raw client sends exactly the frames each case needs, broken ones included, and reads the server's frames back.
/// </summary>
public sealed class FramingTests
{
    private static async Task<(RawWebSocket Client, WebSocketApp Server)> OpenAsync(Micro.WebSockets.WebSocketOptions? options = null)
    {
        var server = new WebSocketApp(options: options);
        var (client, head) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        Assert.StartsWith("HTTP/1.1 101 Switching Protocols", head);
        return (client, server);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    [InlineData(1 << 20)]
    public async Task Text_and_binary_messages_of_every_length_encoding_echo_back(int length)
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            var text = new string('é', length / 2) + new string('a', length % 2);
            await client.SendTextAsync(text);
            var echoed = await client.ReadFrameAsync();
            Assert.Equal((true, 1, text), (echoed!.Fin, echoed.Opcode, echoed.Text));
            var bytes = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
            await client.SendFrameAsync(2, bytes);
            var binary = await client.ReadFrameAsync();
            Assert.Equal((2, length), (binary!.Opcode, binary.Payload.Length));
            Assert.True(binary.Payload.AsSpan().SequenceEqual(bytes));
        }
    }

    [Fact]
    public async Task Fragments_are_joined_into_one_message_with_control_frames_between_them()
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            await client.SendFrameAsync(1, "frag"u8.ToArray(), fin: false);
            await client.SendFrameAsync(9, "ping in the middle"u8.ToArray());
            await client.SendFrameAsync(0, "ment"u8.ToArray(), fin: false);
            await client.SendFrameAsync(10, "unsolicited pong"u8.ToArray());
            await client.SendFrameAsync(0, "ed"u8.ToArray(), fin: true);
            var pong = await client.ReadFrameAsync();
            Assert.Equal((10, "ping in the middle"), (pong!.Opcode, pong.Text));
            var message = await client.ReadFrameAsync();
            Assert.Equal((1, "fragmented"), (message!.Opcode, message.Text));
        }
    }

    [Fact]
    public async Task A_frame_split_into_single_bytes_is_read_whole()
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            foreach (var single in RawWebSocket.Encode(1, Encoding.UTF8.GetBytes(new string('x', 300))))
            {
                await client.SendRawAsync([single]);
            }
            Assert.Equal(new string('x', 300), (await client.ReadFrameAsync())!.Text);
        }
    }

    [Fact]
    public async Task A_ping_is_answered_with_a_pong_carrying_its_payload()
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            var payload = Enumerable.Range(0, 125).Select(i => (byte)i).ToArray();
            await client.SendFrameAsync(9, payload);
            var pong = await client.ReadFrameAsync();
            Assert.Equal(10, pong!.Opcode);
            Assert.Equal(payload, pong.Payload);
        }
    }

    public static TheoryData<string, byte[], int> Violations => new()
    {
        { "an unmasked frame", RawWebSocket.Encode(1, "x"u8, masked: false), 1002 },
        { "reserved bit 1 without an extension", RawWebSocket.Encode(1, "x"u8, reserved: 4), 1002 },
        { "reserved bits 2 and 3", RawWebSocket.Encode(2, "x"u8, reserved: 3), 1002 },
        { "reserved opcode 3", RawWebSocket.Encode(3, "x"u8), 1002 },
        { "reserved control opcode 11", RawWebSocket.Encode(11, "x"u8), 1002 },
        { "a fragmented ping", RawWebSocket.Encode(9, "x"u8, fin: false), 1002 },
        { "a ping of 126 bytes", RawWebSocket.Encode(9, new byte[126]), 1002 },
        { "a continuation with nothing to continue", RawWebSocket.Encode(0, "x"u8), 1002 },
        { "a new message inside a fragmented one", [.. RawWebSocket.Encode(1, "a"u8, fin: false), .. RawWebSocket.Encode(1, "b"u8)], 1002 },
        { "invalid UTF-8 in a text message", RawWebSocket.Encode(1, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]), 1007 },
        { "invalid UTF-8 across fragments", [.. RawWebSocket.Encode(1, [0xCE, 0xBA, 0xE1], fin: false), .. RawWebSocket.Encode(0, [0x28, 0xB9], fin: true)], 1007 },
        { "a text message ending mid-sequence", RawWebSocket.Encode(1, [0x61, 0xE2, 0x82]), 1007 },
        { "a close frame of one byte", RawWebSocket.Encode(8, [0x03]), 1002 },
        { "close code 1005, which is never sent", RawWebSocket.Encode(8, RawWebSocket.ClosePayload(1005)), 1002 },
        { "close code 999", RawWebSocket.Encode(8, RawWebSocket.ClosePayload(999)), 1002 },
        { "close code 5000", RawWebSocket.Encode(8, RawWebSocket.ClosePayload(5000)), 1002 },
        { "a close reason that is not UTF-8", RawWebSocket.Encode(8, [0x03, 0xE8, 0xFF, 0xFE]), 1007 },
        { "a 64-bit length with its top bit set", RawWebSocket.Encode(2, [], declaredLength: long.MinValue + 5), 1002 },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task A_protocol_violation_closes_with_its_code(string violation, byte[] frames, int code)
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            await client.SendRawAsync(frames);
            var close = await client.ReadCloseAsync();
            Assert.True(close.CloseCode == code, $"{violation}: closed with {close.CloseCode}, not {code}");
            Assert.True(await client.EndsAsync()); // the server closes the TCP connection without waiting
        }
    }

    [Fact]
    public async Task A_message_over_the_limit_closes_with_1009_whether_whole_or_in_fragments()
    {
        var options = new Micro.WebSockets.WebSocketOptions { MaxMessageSize = 1000 };
        var (client, server) = await OpenAsync(options);
        await using (server)
        await using (client)
        {
            await client.SendFrameAsync(2, new byte[1000]); // exactly the limit: fine
            Assert.Equal(1000, (await client.ReadFrameAsync())!.Payload.Length);
            await client.SendFrameAsync(2, new byte[600], fin: false);
            await client.SendFrameAsync(0, new byte[600], fin: true);
            Assert.Equal(1009, (await client.ReadCloseAsync()).CloseCode);
        }
        var (declared, other) = await OpenAsync(options);
        await using (other)
        await using (declared)
        {
            // Refused from the header alone: the 2 GiB it announces are never awaited, nor a buffer made for them.
            await declared.SendRawAsync(RawWebSocket.Encode(2, [], declaredLength: 2L << 30));
            Assert.Equal(1009, (await declared.ReadCloseAsync()).CloseCode);
        }
    }

    [Theory]
    [InlineData(1000, "bye")]
    [InlineData(3000, "")]
    [InlineData(4999, "private")]
    public async Task A_close_from_the_client_is_echoed_and_the_server_ends_the_connection(int code, string reason)
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            await client.SendFrameAsync(8, RawWebSocket.ClosePayload(code, reason));
            var close = await client.ReadCloseAsync();
            Assert.Equal(code, close.CloseCode);
            Assert.True(await client.EndsAsync());
            Assert.Equal((code, reason.Length == 0 ? null : reason), await server.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }

    [Fact]
    public async Task An_empty_close_is_answered_with_an_empty_close()
    {
        var (client, server) = await OpenAsync();
        await using (server)
        await using (client)
        {
            await client.SendFrameAsync(8, []);
            Assert.Empty((await client.ReadCloseAsync()).Payload);
            Assert.Equal((1005, (string?)null), await server.Ended.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
    }
}
