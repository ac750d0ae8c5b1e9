using System.IO.Compression;
using System.Net;
using System.Text.Json;

namespace HttpArena.Tests;

/// <summary>json and json-comp: the first count items of the dataset, each with total = price × quantity × m, compressed only when asked.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class JsonTests(ArenaFixture arena)
{
    [Theory]
    [InlineData(1, 3)]
    [InlineData(12, 7)]
    [InlineData(50, 1)]
    [InlineData(0, 5)]
    [InlineData(80, 2)] // past the dataset: all 50
    [InlineData(25, -4)]
    public async Task The_items_are_the_datasets_first_with_their_totals(int count, int m)
    {
        using var response = await arena.Client.GetAsync($"/json/{count}?m={m}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        AssertPriced(await response.Content.ReadAsByteArrayAsync(), Math.Min(count, 50), m);
    }

    [Theory]
    [InlineData("gzip, br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("br;q=1, gzip;q=0.8", "br")]
    public async Task A_client_that_accepts_compression_gets_the_same_json_compressed(string accept, string coding)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/json/40?m=8");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
        using var response = await arena.Client.SendAsync(request);
        Assert.Equal([coding], response.Content.Headers.ContentEncoding);
        await using var compressed = await response.Content.ReadAsStreamAsync();
        await using Stream decoder = coding == "br" ? new BrotliStream(compressed, CompressionMode.Decompress) : new GZipStream(compressed, CompressionMode.Decompress);
        using var body = new MemoryStream();
        await decoder.CopyToAsync(body);
        AssertPriced(body.ToArray(), 40, 8);
    }

    [Theory]
    [InlineData("/json/abc?m=1")]
    [InlineData("/json/5?m=many")]
    public async Task A_count_or_multiplier_that_is_not_an_integer_answers_400(string path)
    {
        using var response = await arena.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    private void AssertPriced(byte[] json, int count, int m)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(count, document.RootElement.GetProperty("count").GetInt32());
        var items = document.RootElement.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(count, items.Length);
        for (var i = 0; i < count; i++)
        {
            var expected = arena.Data.Items[i];
            var item = items[i];
            Assert.Equal(expected.Id, item.GetProperty("id").GetInt32());
            Assert.Equal(expected.Name, item.GetProperty("name").GetString());
            Assert.Equal(expected.Category, item.GetProperty("category").GetString());
            Assert.Equal(expected.Active, item.GetProperty("active").GetBoolean());
            Assert.Equal(expected.Tags, item.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!).ToArray());
            Assert.Equal(expected.Rating.Score, item.GetProperty("rating").GetProperty("score").GetInt32());
            Assert.Equal((long)expected.Price * expected.Quantity * m, item.GetProperty("total").GetInt64());
        }
    }
}
