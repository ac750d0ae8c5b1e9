using Microsoft.AspNetCore.Http;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;

namespace Micro.Forms;

/// <summary>
/// Parses an application/x-www-form-urlencoded body within ASP.NET Core's <see cref="FormOptions"/> limits (1,024
/// values, keys of 2,048 bytes, values of 4 MiB by default). The pairs are enumerated one at a time and parsing stops
/// at the first limit passed, so a hostile body of 30 MB of "a=&amp;" costs the reactor one short scan, not seconds.
/// </summary>
internal static class UrlEncodedForm
{
    public static Dictionary<string, StringValues> Parse(ReadOnlySpan<byte> body, FormOptions limits)
    {
        var text = Encoding.UTF8.GetString(body);
        var accumulator = new KeyValueAccumulator();
        var count = 0;
        foreach (var pair in new QueryStringEnumerable(text))
        {
            if (++count > limits.ValueCountLimit)
            {
                throw new BadHttpRequestException($"The form has more than {limits.ValueCountLimit} values (FormOptions.ValueCountLimit).", 413);
            }
            if (pair.EncodedName.Length > limits.KeyLengthLimit)
            {
                throw new BadHttpRequestException($"A form field name is longer than {limits.KeyLengthLimit} characters (FormOptions.KeyLengthLimit).", 413);
            }
            if (pair.EncodedValue.Length > limits.ValueLengthLimit)
            {
                throw new BadHttpRequestException($"A form value is longer than {limits.ValueLengthLimit} characters (FormOptions.ValueLengthLimit).", 413);
            }
            accumulator.Append(pair.DecodeName().ToString(), pair.DecodeValue().ToString());
        }
        return accumulator.HasValues ? accumulator.GetResults() : [];
    }
}
