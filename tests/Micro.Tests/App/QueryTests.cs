using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Micro.Tests.App;

/// <summary>
/// The query's typed getters read a plain query where it lies; they must answer exactly as the decoded dictionary
/// does (the full parse, which anything else about the query uses): names in any case, the first of repeated values,
/// a pair without '=', empty values, a '?' more, and everything that needs decoding left to the parse.
/// </summary>
public sealed class QueryTests
{
    private static readonly string[] s_queries =
    [
        "a=1&b=2", "A=1&b=2", "a=1&a=2", "a=&a=2", "a&b=2", "b=2&a", "=5&a=3", "a=1&&b=2", "&a=4&", "?a=5", "??a=6",
        "a=1=2", "a=x", "a=-7", "a= 8", "a=9 ", "aa=1&a=2", "ab=1", "a=2147483648", "a=%31", "%61=1", "a+=1", "a=1+1",
        "a=\u00e9", "\u00e9=1&a=3", "a=" + new string('1', 300), "b=1;a=2", "a=true", "a=TRUE", "c=1",
    ];

    private static readonly string[] s_names = ["a", "A", "b", "aa", "c", "\u00e9"];

    [Fact]
    public void Typed_getters_read_in_place_as_the_decoded_dictionary_reads()
    {
        foreach (var query in s_queries)
        {
            var bytes = Encoding.UTF8.GetBytes(query);
            var parsed = new RequestValues(QueryHelpers.ParseQuery(query), "Query parameter");
            foreach (var name in s_names)
            {
                Assert.Equal(Answer(() => parsed.Get<int>(name)), Answer(() => InPlace<int>(bytes, name, parsed)));
                Assert.Equal(Answer(() => parsed.Get<bool>(name)), Answer(() => InPlace<bool>(bytes, name, parsed)));
                Assert.Equal(Answer(() => parsed.Get<long>(name)), Answer(() => InPlace<long>(bytes, name, parsed)));
            }
        }
    }

    [Fact]
    public void A_plain_query_is_read_without_allocating_and_one_that_needs_decoding_is_not_read_in_place()
    {
        Assert.True(QueryBytes.TryFindFirst("a=1&b=22"u8, "B", out var found));
        Assert.Equal("22", Encoding.ASCII.GetString(found));
        Assert.True(QueryBytes.TryFindFirst("a=1"u8, "b", out var absent));
        Assert.True(absent.IsEmpty);
        Assert.False(QueryBytes.TryFindFirst("a=%31"u8, "a", out _));
        Assert.False(QueryBytes.TryFindFirst("a=1+1"u8, "a", out _));
        Assert.False(QueryBytes.TryFindFirst("a=\u00e9"u8, "a", out _));
        Assert.False(QueryBytes.TryFindFirst("a=1"u8, "\u00e9", out _));

        var query = "page=3&size=20&q=x"u8.ToArray();
        QueryBytes.TryFindFirst(query, "size", out _); // jitted
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1_000; i++)
        {
            QueryBytes.TryFindFirst(query, "size", out _);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task A_routes_typed_query_values_and_its_dictionary_agree_request_after_request()
    {
        var app = new MicroApp();
        app.Get("/sum", (req, res) =>
        {
            var sum = req.Query.GetInt("a") + req.Query.Get<int>("B", 0);
            res.Send($"{sum} {req.Query["a"]} {req.Query.Count}");
        });
        await TestApp.RunAsync(app, async (client, uri) =>
        {
            Assert.Equal("3 1 2", await client.GetStringAsync(new Uri(uri, "/sum?a=1&b=2")));
            Assert.Equal("30 10 2", await client.GetStringAsync(new Uri(uri, "/sum?a=10&b=20"))); // the next request's own values
            Assert.Equal("11 11 2", await client.GetStringAsync(new Uri(uri, "/sum?a=%311&b=")));
            Assert.Equal("0  0", await client.GetStringAsync(new Uri(uri, "/sum")));
            using var malformed = await client.GetAsync(new Uri(uri, "/sum?a=one"));
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("'a' must be an integer, not 'one'", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal("5 5 1", await client.GetStringAsync(new Uri(uri, "/sum?a=5")));
            await ServerHealth.AssertEveryReactorAnswersAsync(app.Server!); // the 400 left every reactor serving
        });
    }

    /// <summary>The in-place answer when the query can be read in place, else the dictionary's (as RequestValues does).</summary>
    private static T? InPlace<T>(byte[] query, string name, RequestValues parsed) where T : struct, ISpanParsable<T> =>
        QueryBytes.TryFindFirst(query, name, out var raw) ? RequestValues.FromPlain<T>(raw, "Query parameter", name) : parsed.Get<T>(name);

    private static string Answer<T>(Func<T?> read) where T : struct
    {
        try
        {
            return read()?.ToString() ?? "null";
        }
        catch (HttpError error)
        {
            return $"{error.StatusCode}: {error.Message}";
        }
    }
}
