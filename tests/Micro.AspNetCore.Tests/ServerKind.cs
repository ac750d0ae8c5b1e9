namespace Micro.AspNetCore.Tests;

/// <summary>The servers every conformance test runs on: the same app must give the same answers on each.</summary>
public enum ServerKind
{
    Kestrel,
    Micro,
    MicroInline,
}
