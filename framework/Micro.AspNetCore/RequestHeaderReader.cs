using System.Text;
using Micro.Parser;
using Microsoft.Extensions.Primitives;

namespace Micro.AspNetCore;

/// <summary>
/// Fills a HeaderDictionary from a request head's bytes. Names and values are kept, as bytes and strings, from one
/// request to the next (the reader goes with a pooled RequestFeatures): a client sends the same headers again and
/// again, so a value equal to the last one seen under its name is the same string, not a new one.
/// </summary>
internal sealed class RequestHeaderReader
{
    private const int MaxRemembered = 32;
    private const int MaxRememberedLength = 256; // a pooled reader holds at most 32 short values: a hostile head leaves nothing big behind
    private readonly Remembered[] _remembered = new Remembered[MaxRemembered];
    private int _count;

    private struct Remembered
    {
        public byte[] NameBytes;
        public string Name;
        public byte[] ValueBytes;
        public string Value;
    }

    public void Read(RequestHead head, ReadOnlySpan<byte> bytes, HeaderDictionary headers)
    {
        foreach (var field in head.Headers)
        {
            var name = field.Name.Of(bytes);
            var value = ValueOf(head, bytes, name, field.Value);
            var (nameText, valueText) = Strings(name, value);
            if (headers.TryGetValue(nameText, out var existing))
            {
                headers[nameText] = StringValues.Concat(existing, valueText); // a repeated field: its values in order
            }
            else
            {
                headers.Add(nameText, valueText);
            }
        }
    }

    /// <summary>
    /// The values of the fields named <paramref name="name"/> (any case) in <paramref name="head"/>, in order, without
    /// filling a dictionary: a lookup walks the few fields a request has and compares their names where they lie.
    /// </summary>
    public bool TryFind(RequestHead head, ReadOnlySpan<byte> bytes, string name, out StringValues values)
    {
        values = default;
        var found = false;
        foreach (var field in head.Headers)
        {
            var fieldName = field.Name.Of(bytes);
            if (fieldName.Length != name.Length || !Ascii.EqualsIgnoreCase(fieldName, name))
            {
                continue;
            }
            var value = Strings(fieldName, ValueOf(head, bytes, fieldName, field.Value)).Value;
            values = found ? StringValues.Concat(values, value) : new StringValues(value); // a repeated field: its values in order
            found = true;
        }
        return found;
    }

    /// <summary>
    /// A field's value as the app sees it: an absolute-form target's authority stands for the Host line's value, as the
    /// parser took it for the request's host (RFC 9112 section 3.2.2; Kestrel's <c>AllowHostHeaderOverride</c>).
    /// </summary>
    private static ReadOnlySpan<byte> ValueOf(RequestHead head, ReadOnlySpan<byte> bytes, ReadOnlySpan<byte> name, ByteRange value) =>
        head.TargetForm == RequestTargetForm.Absolute && Ascii.EqualsIgnoreCase(name, "Host"u8) ? head.Host.Of(bytes) : value.Of(bytes);

    private (string Name, string Value) Strings(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        for (var i = 0; i < _count; i++)
        {
            ref var entry = ref _remembered[i];
            if (!name.SequenceEqual(entry.NameBytes))
            {
                continue;
            }
            if (value.SequenceEqual(entry.ValueBytes))
            {
                return (entry.Name, entry.Value);
            }
            var text = RequestHeaderText.Decode(value);
            if (value.Length <= MaxRememberedLength)
            {
                entry.ValueBytes = value.ToArray();
                entry.Value = text;
            }
            return (entry.Name, text);
        }
        var nameText = KnownRequestHeaderNames.Spell(name); // "User-Agent" as Kestrel spells it, whatever case was sent
        var valueText = RequestHeaderText.Decode(value);
        if (_count < MaxRemembered && name.Length <= MaxRememberedLength && value.Length <= MaxRememberedLength)
        {
            _remembered[_count++] = new Remembered { NameBytes = name.ToArray(), Name = nameText, ValueBytes = value.ToArray(), Value = valueText };
        }
        return (nameText, valueText);
    }
}
