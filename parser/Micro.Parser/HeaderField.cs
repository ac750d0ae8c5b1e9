namespace Micro.Parser;

/// <summary>One header field line: its name and its value with surrounding whitespace trimmed, as ranges into the buffer.</summary>
public readonly record struct HeaderField(ByteRange Name, ByteRange Value);
