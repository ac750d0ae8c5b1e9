using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Micro.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Notes.Tests;

/// <summary>The notes service, in memory: the worked example's behaviour as its users meet it.</summary>
public sealed class NotesServiceTests : IAsyncLifetime
{
    private const string SigningKey = "the notes tests' own signing key, long enough";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly string _data = Directory.CreateTempSubdirectory("notes-tests-").FullName;
    private MicroTestHost _host = null!;
    private HttpClient _client = null!;

    public Task InitializeAsync()
    {
        _host = new MicroTestHost(NotesApp.Create([
            $"--Notes:Database=Data Source={Path.Combine(_data, "notes.db")}", $"--Notes:Uploads={Path.Combine(_data, "uploads")}",
            "--Notes:MaxAttachmentBytes=1024", $"--Auth:SigningKey={SigningKey}", "--Notes:AllowedOrigins:0=https://notes.example",
        ]));
        _client = _host.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    private static string Token(string name, string? role = null)
    {
        var identity = new ClaimsIdentity([new Claim("name", name)]);
        if (role is not null)
        {
            identity.AddClaim(new Claim("role", role));
        }
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "notes", Audience = "notes", Subject = identity, Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? token, HttpContent? content = null)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await _client.SendAsync(request);
    }

    [Fact]
    public async Task Notes_are_created_read_updated_searched_and_deleted_with_the_right_statuses()
    {
        var ada = Token("ada");
        var created = await SendAsync(HttpMethod.Post, "/notes", ada, JsonContent.Create(new { title = "Buy milk", body = "two litres" }));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var note = (await created.Content.ReadFromJsonAsync<JsonElement>());
        var id = note.GetProperty("id").GetInt64();
        Assert.Equal($"/notes/{id}", created.Headers.Location!.OriginalString);
        Assert.Equal("ada", note.GetProperty("owner").GetString()); // camelCase, the owner from the token

        Assert.Equal("two litres", (await _client.GetFromJsonAsync<JsonElement>($"/notes/{id}")).GetProperty("body").GetString());
        var updated = await SendAsync(HttpMethod.Put, $"/notes/{id}", ada, JsonContent.Create(new { title = "Buy oat milk", body = "" }));
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(1, (await _client.GetFromJsonAsync<JsonElement>("/notes?q=oat")).GetArrayLength());
        Assert.Equal(0, (await _client.GetFromJsonAsync<JsonElement>("/notes?q=bread")).GetArrayLength());

        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, $"/notes/{id}", ada)).StatusCode); // not an admin
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/notes/{id}", Token("root", "admin"))).StatusCode);
        var gone = await _client.GetAsync($"/notes/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType!.MediaType);
        Assert.Equal("No such note.", (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Writing_needs_a_token_and_a_valid_note_and_bad_input_is_a_problem_naming_the_field()
    {
        var anonymous = await SendAsync(HttpMethod.Post, "/notes", null, JsonContent.Create(new { title = "x" }));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        var invalid = await SendAsync(HttpMethod.Post, "/notes", Token("ada"), JsonContent.Create(new { title = "", body = "x" }));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("title", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/notes/abc")).StatusCode); // a typed route
    }

    [Fact]
    public async Task An_attachment_is_bounded_saved_and_downloaded_by_name()
    {
        var ada = Token("ada");
        var id = (await (await SendAsync(HttpMethod.Post, "/notes", ada, JsonContent.Create(new { title = "With a file" }))).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();
        using var large = new MultipartFormDataContent { { new ByteArrayContent(new byte[4096]), "file", "big.txt" } };
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(HttpMethod.Post, $"/notes/{id}/attachment", ada, large)).StatusCode);
        using var small = new MultipartFormDataContent { { new ByteArrayContent("hello file"u8.ToArray()), "file", "Hello.TXT" } };
        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Post, $"/notes/{id}/attachment", ada, small)).StatusCode);
        var download = await _client.GetAsync($"/notes/{id}/attachment");
        Assert.Equal($"note-{id}.txt", download.Content.Headers.ContentDisposition!.FileName);
        Assert.Equal("hello file", await download.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Changes_reach_event_stream_and_WebSocket_listeners()
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var socket = await _host.ConnectWebSocketAsync("/changes/ws", cancellationToken: deadline.Token);
        using var stream = await _client.GetAsync("/changes", HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        using var events = new StreamReader(await stream.Content.ReadAsStreamAsync(deadline.Token));
        // Both have joined: the event stream before its head went out, the WebSocket before it said it listens.
        var buffer = new byte[1024];
        var hello = await socket.ReceiveAsync(buffer, deadline.Token);
        Assert.Contains("\"kind\":\"listening\"", Encoding.UTF8.GetString(buffer, 0, hello.Count), StringComparison.Ordinal);
        await SendAsync(HttpMethod.Post, "/notes", Token("ada"), JsonContent.Create(new { title = "Announced" }));

        Assert.Equal("event: created", await events.ReadLineAsync(deadline.Token));
        Assert.Contains("\"title\":\"Announced\"", await events.ReadLineAsync(deadline.Token), StringComparison.Ordinal);
        var received = await socket.ReceiveAsync(buffer, deadline.Token);
        Assert.Contains("\"kind\":\"created\"", Encoding.UTF8.GetString(buffer, 0, received.Count), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_service_describes_itself_answers_health_and_allows_its_configured_origin()
    {
        var document = await _client.GetFromJsonAsync<JsonElement>("/openapi.json");
        Assert.True(document.GetProperty("paths").TryGetProperty("/notes/{id}", out _));
        Assert.Equal("Healthy", await _client.GetStringAsync("/healthz"));
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/notes");
        preflight.Headers.Add("Origin", "https://notes.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        var allowed = await _client.SendAsync(preflight);
        Assert.Equal("https://notes.example", allowed.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }
}
