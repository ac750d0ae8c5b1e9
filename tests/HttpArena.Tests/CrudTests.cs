using System.Net;
using System.Text;
using System.Text.Json;

namespace HttpArena.Tests;

/// <summary>crud: list pages, cache-aside single reads (X-Cache), upserts and updates that drop the cached item.</summary>
[Collection(nameof(ArenaFixture))]
public sealed class CrudTests(ArenaFixture arena)
{
    [Theory]
    [InlineData("category=office&page=3&limit=7", "office", 3, 7)]
    [InlineData("category=books", "books", 1, 10)]
    [InlineData("", "electronics", 1, 10)]
    [InlineData("category=garden&page=2&limit=500", "garden", 2, 50)]
    [InlineData("category=none&page=1&limit=5", "none", 1, 5)]
    public async Task A_page_is_the_categorys_items_in_id_order(string query, string category, int page, int limit)
    {
        using var document = JsonDocument.Parse(await arena.Client.GetStringAsync($"/crud/items?{query}"));
        var expected = arena.Items.Where(item => item.Category == category && item.Id <= ArenaFixture.Rows).OrderBy(item => item.Id).Skip((page - 1) * limit).Take(limit).Select(item => item.Id).ToArray();
        var ids = document.RootElement.GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetInt32()).ToArray();
        Assert.Equal(expected, ids);
        Assert.Equal(ids.Length, document.RootElement.GetProperty("total").GetInt32());
        Assert.Equal(page, document.RootElement.GetProperty("page").GetInt32());
        Assert.Equal(limit, document.RootElement.GetProperty("limit").GetInt32());
    }

    [Fact]
    public async Task A_read_is_a_miss_then_a_hit_then_a_miss_again_once_200_ms_have_passed()
    {
        var expected = arena.Items[41];
        var (first, body) = await ReadAsync(expected.Id);
        Assert.Equal("MISS", first);
        Assert.Equal(expected.Name, body!.RootElement.GetProperty("name").GetString());
        Assert.Equal(expected.Rating.Count, body.RootElement.GetProperty("rating").GetProperty("count").GetInt32());
        Assert.Equal("HIT", (await ReadAsync(expected.Id)).Cache);
        // The entry expires 200 ms after it was made: it must turn into a miss, and does well within this bound.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        string? cache;
        while ((cache = (await ReadAsync(expected.Id)).Cache) == "HIT" && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal("MISS", cache);
    }

    [Fact]
    public async Task Create_read_back_update_and_read_again_with_the_cache_dropped_on_every_write()
    {
        const int id = 200_001;
        using (var created = await arena.Client.PostAsync("/crud/items", Json($$"""{"id":{{id}},"name":"Bench Test","category":"test","price":25,"quantity":10}""")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            using var stored = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
            Assert.Equal(id, stored.RootElement.GetProperty("id").GetInt32());
        }
        Assert.Equal(("MISS", "Bench Test"), Name(await ReadAsync(id)));
        Assert.Equal(("HIT", "Bench Test"), Name(await ReadAsync(id)));
        using (var upserted = await arena.Client.PostAsync("/crud/items", Json($$"""{"id":{{id}},"name":"Bench Again","category":"test","price":26,"quantity":11}""")))
        {
            Assert.Equal(HttpStatusCode.Created, upserted.StatusCode);
        }
        Assert.Equal(("MISS", "Bench Again"), Name(await ReadAsync(id)));
        using (var updated = await arena.Client.PutAsync($"/crud/items/{id}", Json("""{"name":"Updated","price":30,"quantity":5}""")))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Equal($$"""{"id":{{id}},"name":"Updated","price":30,"quantity":5}""", await updated.Content.ReadAsStringAsync());
        }
        var (cache, body) = await ReadAsync(id);
        Assert.Equal(("MISS", "Updated"), Name((cache, body)));
        Assert.Equal(30, body!.RootElement.GetProperty("price").GetInt32());
    }

    [Theory]
    [InlineData("GET", "/crud/items/999999", null, HttpStatusCode.NotFound)]
    [InlineData("PUT", "/crud/items/999999", """{"name":"x","price":1,"quantity":1}""", HttpStatusCode.NotFound)]
    [InlineData("GET", "/crud/items/abc", null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/crud/items", "{not json", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/crud/items", """{"id":5,"category":"test","price":1,"quantity":1}""", HttpStatusCode.BadRequest)]
    [InlineData("PUT", "/crud/items/1", """{"price":1,"quantity":1}""", HttpStatusCode.BadRequest)]
    [InlineData("DELETE", "/crud/items/1", null, HttpStatusCode.MethodNotAllowed)]
    public async Task Missing_items_and_bad_bodies_get_their_status(string method, string path, string? body, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = body is null ? null : Json(body) };
        using var response = await arena.Client.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static (string? Cache, string? Name) Name((string? Cache, JsonDocument? Body) read) => (read.Cache, read.Body?.RootElement.GetProperty("name").GetString());

    private async Task<(string? Cache, JsonDocument? Body)> ReadAsync(int id)
    {
        using var response = await arena.Client.GetAsync($"/crud/items/{id}");
        response.EnsureSuccessStatusCode();
        return (response.Headers.TryGetValues("X-Cache", out var values) ? values.Single() : null, JsonDocument.Parse(await response.Content.ReadAsStringAsync()));
    }
}
