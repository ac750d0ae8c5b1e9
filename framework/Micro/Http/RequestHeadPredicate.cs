using Micro.Parser;

namespace Micro.Http;

/// <summary>
/// A decision taken from a request's head alone, before its body arrives (such as whether to stream the body):
/// <paramref name="head"/>'s ranges point into <paramref name="headBytes"/>, valid only during the call.
/// </summary>
public delegate bool RequestHeadPredicate(RequestHead head, ReadOnlySpan<byte> headBytes);

/// <summary>
/// The largest body a request may have, decided from its head alone (a route's own limit): <paramref name="head"/>'s
/// ranges point into <paramref name="headBytes"/>, valid only during the call.
/// </summary>
public delegate long RequestBodyLimit(RequestHead head, ReadOnlySpan<byte> headBytes);
