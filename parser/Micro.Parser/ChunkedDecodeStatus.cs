namespace Micro.Parser;

/// <summary>What a call to <see cref="ChunkedDecoder.Decode"/> found.</summary>
public enum ChunkedDecodeStatus : byte
{
    /// <summary>Every byte given was consumed and more are needed.</summary>
    NeedMoreData,

    /// <summary>A run of body bytes is ready in the input; call again with the bytes after it.</summary>
    Data,

    /// <summary>The last chunk and the trailer section have been read; the message ends at the bytes consumed.</summary>
    Completed,

    /// <summary>The body is malformed; <see cref="ChunkedDecoder.Error"/> says how.</summary>
    Error,
}
