namespace Micro.Parser;

/// <summary>The headers the server itself acts on, recognised by length first so that most names cost one compare.</summary>
internal enum KnownHeader : byte
{
    Other,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
}

internal static class KnownHeaders
{
    public static KnownHeader Classify(ReadOnlySpan<byte> name) => name.Length switch
    {
        4 when System.Text.Ascii.EqualsIgnoreCase(name, "Host"u8) => KnownHeader.Host,
        6 when System.Text.Ascii.EqualsIgnoreCase(name, "Expect"u8) => KnownHeader.Expect,
        10 when System.Text.Ascii.EqualsIgnoreCase(name, "Connection"u8) => KnownHeader.Connection,
        14 when System.Text.Ascii.EqualsIgnoreCase(name, "Content-Length"u8) => KnownHeader.ContentLength,
        17 when System.Text.Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8) => KnownHeader.TransferEncoding,
        _ => KnownHeader.Other,
    };
}
