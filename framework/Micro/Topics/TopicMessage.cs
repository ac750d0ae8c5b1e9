namespace Micro.Topics;

/// <summary>
/// One message published to a topic: its bytes, whether they are UTF-8 text, and the forms subscribers send it in
/// (a WebSocket frame, an event of an event stream), each made once per message however many subscribers it reaches.
/// </summary>
public sealed class TopicMessage
{
    private Form? _encodings;

    private TopicMessage(string topic, byte[] data, bool isText)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        Topic = topic;
        Data = data;
        IsText = isText;
    }

    /// <summary>A text message: <paramref name="text"/> as UTF-8.</summary>
    public static TopicMessage Text(string topic, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new(topic, System.Text.Encoding.UTF8.GetBytes(text), isText: true);
    }

    /// <summary>A text message from bytes that must already be UTF-8 (checked: a WebSocket client would fail the connection on bad text).</summary>
    public static TopicMessage Utf8(string topic, ReadOnlySpan<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            throw new ArgumentException("A text message must be valid UTF-8.", nameof(utf8));
        }
        return new(topic, utf8.ToArray(), isText: true);
    }

    /// <summary>A binary message: a copy of <paramref name="data"/>.</summary>
    public static TopicMessage Binary(string topic, ReadOnlySpan<byte> data) => new(topic, data.ToArray(), isText: false);

    /// <summary>The topic it is published to.</summary>
    public string Topic { get; }

    /// <summary>Its bytes (UTF-8 when <see cref="IsText"/>).</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>True for text, false for binary.</summary>
    public bool IsText { get; }

    /// <summary>The message as text (binary data decoded as UTF-8, invalid bytes replaced).</summary>
    public override string ToString() => System.Text.Encoding.UTF8.GetString(Data.Span);

    /// <summary>
    /// The message in the form <paramref name="key"/> names, made by <paramref name="encode"/> the first time any
    /// subscriber asks and shared after: several reactors may ask at once, and each gets the one that was kept.
    /// Keys are compared with Equals (a record per form and its settings).
    /// </summary>
    internal byte[] EncodedAs(object key, Func<TopicMessage, object, byte[]> encode)
    {
        for (var node = Volatile.Read(ref _encodings); node is not null; node = node.Next)
        {
            if (node.Key.Equals(key))
            {
                return node.Bytes;
            }
        }
        var bytes = encode(this, key);
        while (true)
        {
            var head = Volatile.Read(ref _encodings);
            for (var node = head; node is not null; node = node.Next)
            {
                if (node.Key.Equals(key))
                {
                    return node.Bytes; // another reactor made it first: theirs is kept
                }
            }
            if (Interlocked.CompareExchange(ref _encodings, new Form(key, bytes, head), head) == head)
            {
                return bytes;
            }
        }
    }

    /// <summary>A form of the message, in a list that only grows (a message has one or two forms).</summary>
    private sealed record Form(object Key, byte[] Bytes, Form? Next);
}
