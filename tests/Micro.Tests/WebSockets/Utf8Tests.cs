using Micro.WebSockets;

namespace Micro.Tests.WebSockets;

/// <summary>
/// Issue 12: text messages' UTF-8 (RFC 6455 section 8.1), over the sequences the Autobahn TestSuite's case 6 draws
/// from Markus Kuhn's decoder test: each sent whole, and split into one-byte fragments, which checks the validator
/// that carries a cut sequence from one fragment to the next.
/// </summary>
public sealed class Utf8Tests
{
    public static TheoryData<string, byte[], bool> Sequences => new()
    {
        { "ASCII", "Hello-µ@ßöäüàá-UTF-8!!"u8.ToArray(), true },
        { "κόσμε", [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5], true },
        { "the first of each length", [0x00, 0xC2, 0x80, 0xE0, 0xA0, 0x80, 0xF0, 0x90, 0x80, 0x80], true },
        { "the last of each length", [0x7F, 0xDF, 0xBF, 0xEF, 0xBF, 0xBF, 0xF4, 0x8F, 0xBF, 0xBF], true },
        { "U+FFFE and U+FFFF (noncharacters, valid)", [0xEF, 0xBF, 0xBE, 0xEF, 0xBF, 0xBF], true },
        { "U+D7FF and U+E000 around the surrogates", [0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80], true },
        { "a lone continuation byte", [0x80], false },
        { "two continuation bytes", [0x80, 0xBF], false },
        { "a lead byte then a space", [0xC0, 0x20], false },
        { "0xFE", [0xFE], false },
        { "0xFF", [0xFF], false },
        { "an overlong slash, 2 bytes", [0xC0, 0xAF], false },
        { "an overlong slash, 3 bytes", [0xE0, 0x80, 0xAF], false },
        { "an overlong slash, 4 bytes", [0xF0, 0x80, 0x80, 0xAF], false },
        { "an overlong NUL", [0xC0, 0x80], false },
        { "the largest overlong, 3 bytes", [0xE0, 0x9F, 0xBF], false },
        { "a high surrogate, U+D800", [0xED, 0xA0, 0x80], false },
        { "a low surrogate, U+DFFF", [0xED, 0xBF, 0xBF], false },
        { "a surrogate pair encoded as two", [0xED, 0xA0, 0x80, 0xED, 0xB0, 0x80], false },
        { "past U+10FFFF", [0xF4, 0x90, 0x80, 0x80], false },
        { "a 5-byte sequence", [0xF8, 0x88, 0x80, 0x80, 0x80], false },
        { "a sequence missing its last byte", [0xE2, 0x82], false },
        { "a sequence missing its last byte, then ASCII", [0xE2, 0x82, 0x41], false },
        { "valid text, then an invalid byte at the end", [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xFF], false },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public async Task Text_is_echoed_when_valid_and_closed_with_1007_when_not_sent_whole(string name, byte[] text, bool valid) =>
        await CheckAsync(name, [RawWebSocket.Encode(1, text)], text, valid);

    [Theory]
    [MemberData(nameof(Sequences))]
    public async Task The_same_holds_when_every_byte_is_a_fragment_of_its_own(string name, byte[] text, bool valid) =>
        await CheckAsync(name, [.. text.Select((b, i) => RawWebSocket.Encode(i == 0 ? 1 : 0, [b], fin: i == text.Length - 1))], text, valid);

    private static async Task CheckAsync(string name, byte[][] frames, byte[] text, bool valid)
    {
        await using var server = new WebSocketApp(options: new WebSocketOptions());
        var (client, _) = await RawWebSocket.ConnectAsync(server.EndPoint, "/echo");
        await using (client)
        {
            await client.SendRawAsync([.. frames.SelectMany(frame => frame)]);
            var answer = await client.ReadFrameAsync();
            if (valid)
            {
                Assert.True(answer is { Opcode: 1 } && answer.Payload.AsSpan().SequenceEqual(text), $"{name}: not echoed");
            }
            else
            {
                Assert.True(answer is { Opcode: 8, CloseCode: 1007 }, $"{name}: answered {answer?.Opcode} {answer?.CloseCode}, not Close 1007");
            }
        }
    }
}
