using System.Net;
using System.Net.Http.Json;
using Micro;

namespace MicroApi.Tests;

public sealed class RoutesTests : IAsyncLifetime
{
    private readonly MicroApp _app = Routes.Map(new MicroApp());
    private readonly HttpClient _client = new();

    public Task InitializeAsync()
    {
        _app.Listen(0); // a free port on 127.0.0.1
        _client.BaseAddress = new Uri($"http://{_app.EndPoints[0]}");
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _app.StopAsync();
    }

    [Fact]
    public async Task The_root_says_hello()
    {
        var response = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello from MicroApi!", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task A_todo_is_json_and_a_bad_id_is_400()
    {
        var todo = await _client.GetFromJsonAsync<Todo>("/todos/4");
        Assert.Equal(new Todo(4, "Todo number 4", true), todo);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/todos/abc")).StatusCode);
    }

    [Fact]
    public async Task A_posted_todo_comes_back_created()
    {
        var response = await _client.PostAsJsonAsync("/todos", new Todo(7, "Write tests", false));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(new Todo(7, "Write tests", false), await response.Content.ReadFromJsonAsync<Todo>());
    }
}
