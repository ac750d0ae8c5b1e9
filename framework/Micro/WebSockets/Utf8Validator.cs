using System.Text.Unicode;

namespace Micro.WebSockets;

/// <summary>
/// Checks a text message's UTF-8 as its fragments arrive (RFC 6455 section 8.1: invalid text closes with 1007). A
/// sequence cut between fragments is carried over, at most 3 bytes; a byte that can begin no valid sequence fails at
/// once, without waiting for the message's end.
/// </summary>
internal struct Utf8Validator
{
    private uint _pending;      // up to 3 bytes of a sequence cut at the end of the last fragment
    private int _pendingLength;

    public void Reset() => _pendingLength = 0;

    /// <summary>Checks the next fragment; false when the text is invalid (or <paramref name="final"/> and a sequence is left unfinished).</summary>
    public bool Append(ReadOnlySpan<byte> bytes, bool final)
    {
        if (_pendingLength > 0)
        {
            // Finish the carried sequence with the first bytes of this fragment, then check it alone.
            Span<byte> joined = stackalloc byte[4];
            for (var i = 0; i < _pendingLength; i++)
            {
                joined[i] = (byte)(_pending >> (8 * i));
            }
            var need = SequenceLength(joined[0]) - _pendingLength;
            var take = Math.Min(need, bytes.Length);
            bytes[..take].CopyTo(joined[_pendingLength..]);
            if (take < need)
            {
                if (!IsValidPrefix(joined[..(_pendingLength + take)]))
                {
                    return false;
                }
                Carry(joined[..(_pendingLength + take)]);
                return !final;
            }
            if (!Utf8.IsValid(joined[..(_pendingLength + take)]))
            {
                return false;
            }
            _pendingLength = 0;
            bytes = bytes[take..];
        }
        var cut = IncompleteTail(bytes);
        if (!Utf8.IsValid(bytes[..^cut]))
        {
            return false;
        }
        if (cut == 0)
        {
            return true;
        }
        var tail = bytes[^cut..];
        if (!IsValidPrefix(tail))
        {
            return false;
        }
        Carry(tail);
        return !final;
    }

    private void Carry(ReadOnlySpan<byte> tail)
    {
        _pending = 0;
        for (var i = 0; i < tail.Length; i++)
        {
            _pending |= (uint)tail[i] << (8 * i);
        }
        _pendingLength = tail.Length;
    }

    /// <summary>How many bytes at the end begin a sequence that does not finish within <paramref name="bytes"/> (0 to 3).</summary>
    private static int IncompleteTail(ReadOnlySpan<byte> bytes)
    {
        for (var back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            var b = bytes[^back];
            if ((b & 0xC0) != 0x80)
            {
                // A lead byte (or ASCII): is its sequence longer than what is left?
                var length = SequenceLength(b);
                return length > back ? back : 0;
            }
        }
        return 0; // only continuation bytes at the end: Utf8.IsValid judges them
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xC2 and <= 0xDF => 2,
        >= 0xE0 and <= 0xEF => 3,
        >= 0xF0 and <= 0xF4 => 4,
        _ => 1, // an invalid lead: judged as one byte, which Utf8.IsValid rejects
    };

    /// <summary>Whether a cut sequence can still become valid: the lead byte and each byte after it in its allowed range.</summary>
    private static bool IsValidPrefix(ReadOnlySpan<byte> prefix)
    {
        var lead = prefix[0];
        if (SequenceLength(lead) <= prefix.Length)
        {
            return Utf8.IsValid(prefix);
        }
        if (lead is < 0xC2 or > 0xF4)
        {
            return false;
        }
        for (var i = 1; i < prefix.Length; i++)
        {
            var (low, high) = i == 1
                ? lead switch { 0xE0 => (0xA0, 0xBF), 0xED => (0x80, 0x9F), 0xF0 => (0x90, 0xBF), 0xF4 => (0x80, 0x8F), _ => (0x80, 0xBF) }
                : (0x80, 0xBF);
            if (prefix[i] < low || prefix[i] > high)
            {
                return false;
            }
        }
        return true;
    }
}
