using System.Net;
#if (auth)
using System.Net.Http.Headers;
#endif
using System.Net.Http.Json;
#if (auth)
using System.Security.Claims;
#endif
using Micro;
using Micro.Testing;
#if (auth)
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
#endif

namespace MicroApi.Tests;

/// <summary>The app's routes, run in memory (no port, no socket) on Micro's own engine.</summary>
public sealed class RoutesTests : IAsyncLifetime
{
#if (auth)
    private const string SigningKey = "a key for the tests only, 32 bytes or more";
    private readonly MicroTestHost _host = new(Routes.Create(["--Auth:SigningKey", SigningKey]));
#else
    private readonly MicroTestHost _host = new(Routes.Create([]));
#endif
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _client = _host.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task The_root_says_hello_and_the_app_is_healthy()
    {
        var response = await _client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello from MicroApi!", await response.Content.ReadAsStringAsync());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("Healthy", await _client.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task A_todo_is_json_and_a_bad_id_is_400()
    {
        var todo = await _client.GetFromJsonAsync<Todo>("/todos/4");
        Assert.Equal(new Todo(4, "Todo number 4", true), todo);
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/todos/abc")).StatusCode);
    }

    [Fact]
    public async Task A_posted_todo_comes_back_created_and_bad_json_is_400()
    {
        var response = await _client.PostAsJsonAsync("/todos", new Todo(7, "Write tests", false));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(new Todo(7, "Write tests", false), await response.Content.ReadFromJsonAsync<Todo>());
        Assert.Equal(new Todo(7, "Write tests", false), await _client.GetFromJsonAsync<Todo>("/todos/7")); // the store kept it
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsync("/todos", new StringContent("{\"id\":", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task A_todo_without_a_title_is_a_400_problem_naming_the_field()
    {
        var response = await _client.PostAsync("/todos", new StringContent("{\"id\":8,\"done\":false}", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal("The Title field is required.", problem.GetProperty("errors").GetProperty("title")[0].GetString());
    }
#if (auth)

    [Fact]
    public async Task Me_needs_a_valid_token_and_answers_who_it_names()
    {
        var anonymous = await _client.GetAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        using var signedIn = new HttpRequestMessage(HttpMethod.Get, "/me");
        signedIn.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(SigningKey));
        Assert.Equal(new Me("ada"), await (await _client.SendAsync(signedIn)).Content.ReadFromJsonAsync<Me>());

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/me");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token("another key, that the app does not know of"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _client.SendAsync(forged)).StatusCode);
    }

    private static string Token(string key) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = "MicroApi",
        Audience = "MicroApi",
        Subject = new ClaimsIdentity([new Claim("name", "ada")]),
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
    });
#endif
}
