namespace Micro.Parser;

/// <summary>What a call to the parser found.</summary>
public enum ParseStatus : byte
{
    /// <summary>The buffer ends before the request head does; call again with the same bytes and more.</summary>
    Incomplete,

    /// <summary>A whole request head was parsed; <see cref="RequestHead.HeadLength"/> says how many bytes it took.</summary>
    Complete,

    /// <summary>The bytes are not a valid request; <see cref="RequestHead.Error"/> names the problem and its status code.</summary>
    Error,
}
