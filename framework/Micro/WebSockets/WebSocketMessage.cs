using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Micro.WebSockets;

/// <summary>
/// One whole message, its fragments joined. <see cref="Data"/> is lent: it stays valid until the next message is asked
/// for (or, in a callback, until the callback returns); keep a copy (<see cref="Text"/>, <c>Data.ToArray()</c>) to hold it longer.
/// </summary>
public readonly struct WebSocketMessage(WebSocketMessageType type, ReadOnlyMemory<byte> data)
{
    /// <summary>Text or binary.</summary>
    public WebSocketMessageType Type { get; } = type;

    /// <summary>The payload: UTF-8 for a text message (already checked to be valid).</summary>
    public ReadOnlyMemory<byte> Data { get; } = data;

    /// <summary>True for a text message.</summary>
    public bool IsText => Type == WebSocketMessageType.Text;

    /// <summary>The payload decoded as UTF-8 (a new string).</summary>
    public string Text => Encoding.UTF8.GetString(Data.Span);

    /// <summary>The payload read as JSON with source-generated metadata (no reflection).</summary>
    public T? Json<T>(JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(Data.Span, typeInfo);

    /// <summary>The payload read as JSON with <paramref name="options"/> (the app's are <see cref="WebSocketConnection.JsonOptions"/>).</summary>
    public T? Json<T>(JsonSerializerOptions options) => JsonSerializer.Deserialize(Data.Span, JsonMetadata<T>.From(options));
}
