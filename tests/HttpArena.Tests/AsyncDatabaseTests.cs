using System.Net;
using System.Text.Json;

namespace HttpArena.Tests;

/// <summary>async-db: up to limit rows priced between min and max (defaults 10, 50, 50; limit clamped to 1..50), rating nested.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class AsyncDatabaseTests(ArenaFixture arena)
{
    [Theory]
    [InlineData("min=5&max=80&limit=7", 5, 80, 7)]
    [InlineData("min=20&max=150&limit=18", 20, 150, 18)]
    [InlineData("min=100&max=400&limit=33", 100, 400, 33)]
    [InlineData("", 10, 50, 50)]
    [InlineData("min=1&max=500&limit=500", 1, 500, 50)]
    [InlineData("min=1&max=500&limit=0", 1, 500, 1)]
    [InlineData("min=9999&max=9999&limit=50", 9999, 9999, 50)]
    [InlineData("min=300&max=200", 300, 200, 50)]
    public async Task The_rows_are_the_databases_in_the_range_at_most_limit_of_them(string query, int min, int max, int limit)
    {
        using var response = await arena.Client.GetAsync($"/async-db?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var items = document.RootElement.GetProperty("items").EnumerateArray().ToArray();
        var matching = arena.Items.Where(item => item.Price >= min && item.Price <= max).ToDictionary(item => item.Id);
        Assert.Equal(Math.Min(limit, matching.Count), items.Length);
        Assert.Equal(items.Length, document.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(items.Length, items.Select(item => item.GetProperty("id").GetInt32()).Distinct().Count());
        foreach (var item in items)
        {
            var expected = matching[item.GetProperty("id").GetInt32()];
            Assert.Equal(expected.Name, item.GetProperty("name").GetString());
            Assert.Equal(expected.Category, item.GetProperty("category").GetString());
            Assert.Equal(expected.Price, item.GetProperty("price").GetInt32());
            Assert.Equal(expected.Quantity, item.GetProperty("quantity").GetInt32());
            Assert.Equal(expected.Active, item.GetProperty("active").GetBoolean());
            Assert.Equal(expected.Tags, item.GetProperty("tags").EnumerateArray().Select(tag => tag.GetString()!).ToArray());
            Assert.Equal(expected.Rating.Score, item.GetProperty("rating").GetProperty("score").GetInt32());
            Assert.Equal(expected.Rating.Count, item.GetProperty("rating").GetProperty("count").GetInt32());
        }
    }

    [Fact]
    public async Task Parameters_that_are_not_integers_answer_400()
    {
        using var response = await arena.Client.GetAsync("/async-db?min=ten");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
