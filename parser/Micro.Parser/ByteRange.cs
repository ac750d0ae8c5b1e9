namespace Micro.Parser;

/// <summary>A run of bytes inside the caller's buffer, by offset and length: the parser's answer instead of a copy.</summary>
public readonly record struct ByteRange(int Offset, int Length)
{
    /// <summary>The offset just past the last byte.</summary>
    public int End => Offset + Length;

    /// <summary>True when the range holds no bytes.</summary>
    public bool IsEmpty => Length == 0;

    /// <summary>The bytes this range names inside <paramref name="buffer"/>.</summary>
    public ReadOnlySpan<byte> Of(ReadOnlySpan<byte> buffer) => buffer.Slice(Offset, Length);
}
