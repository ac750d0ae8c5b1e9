namespace Micro.Http;

/// <summary>Where a request body stands after <see cref="RequestBodyReader"/> was handed bytes.</summary>
internal enum BodyProgress
{
    /// <summary>All the bytes offered were taken; more of the body is to come.</summary>
    NeedMore,
    /// <summary>A streamed body's reader has not made room yet: stop reading until it does.</summary>
    ReaderFull,
    /// <summary>The body is whole.</summary>
    Complete,
    /// <summary>The body is larger than the limit (or than a buffered body can be): 413.</summary>
    TooLarge,
    /// <summary>The chunked coding is malformed; <see cref="RequestBodyReader.Error"/> says how.</summary>
    Malformed,
}
