using System.Net.Http.Headers;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Micro.AspNetCore.Tests;

/// <summary>ASP.NET Core's own middleware, as an app uses it, giving the same answers on every server.</summary>
public sealed class EcosystemTests
{
    [Theory]
    [OnEveryServer]
    public async Task Jwt_bearer_authentication_and_authorization_policies(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseAuthentication();
            web.UseAuthorization();
            web.MapGet("/me", (ClaimsPrincipal user) => user.FindFirst("name")!.Value).RequireAuthorization();
            web.MapGet("/admin", () => "admin area").RequireAuthorization("admin");
        }, configure: builder =>
        {
            builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenValidationParameters = TestTokens.Validation;
            });
            builder.Services.AddAuthorizationBuilder().AddPolicy("admin", policy => policy.RequireRole("admin"));
        });
        var anonymous = await app.Client.GetAsync("/me");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);

        using var asUser = new HttpRequestMessage(HttpMethod.Get, "/me");
        asUser.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Token(new Claim("name", "ada")));
        Assert.Equal("ada", await (await app.Client.SendAsync(asUser)).Content.ReadAsStringAsync());

        using var userAtAdmin = new HttpRequestMessage(HttpMethod.Get, "/admin");
        userAtAdmin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Token(new Claim("name", "ada")));
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client.SendAsync(userAtAdmin)).StatusCode);

        using var admin = new HttpRequestMessage(HttpMethod.Get, "/admin");
        admin.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Token(new Claim("name", "root"), new Claim("role", "admin")));
        Assert.Equal("admin area", await (await app.Client.SendAsync(admin)).Content.ReadAsStringAsync());

        using var forged = new HttpRequestMessage(HttpMethod.Get, "/me");
        forged.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.Token(new Claim("name", "ada"))[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client.SendAsync(forged)).StatusCode);
    }

    [Theory]
    [OnEveryServer]
    public async Task Rate_limiting_answers_429_past_the_window(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseRateLimiter();
            web.MapGet("/limited", () => "ok").RequireRateLimiting("two");
        }, configure: builder => builder.Services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.AddFixedWindowLimiter("two", limiter =>
            {
                limiter.PermitLimit = 2;
                limiter.Window = TimeSpan.FromHours(1);
                limiter.QueueLimit = 0;
                limiter.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
        }));
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/limited")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/limited")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await app.Client.GetAsync("/limited")).StatusCode);
    }

    [Theory]
    [OnEveryServer]
    public async Task Output_caching_serves_the_stored_response(ServerKind server)
    {
        var calls = 0;
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseOutputCache();
            web.MapGet("/cached", () => $"call {Interlocked.Increment(ref calls)}").CacheOutput();
        }, configure: builder => builder.Services.AddOutputCache());
        Assert.Equal("call 1", await app.Client.GetStringAsync("/cached"));
        Assert.Equal("call 1", await app.Client.GetStringAsync("/cached"));
        Assert.Equal(1, calls);
    }

    [Theory]
    [OnEveryServer]
    public async Task Problem_details_for_exceptions_and_error_statuses(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseExceptionHandler();
            web.UseStatusCodePages();
            web.MapGet("/fails", string () => throw new InvalidOperationException("boom"));
            web.MapGet("/missing", () => Results.NotFound());
        }, configure: builder => builder.Services.AddProblemDetails());
        var failed = await app.Client.GetAsync("/fails");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Equal("application/problem+json", failed.Content.Headers.ContentType!.MediaType);
        Assert.Contains("\"status\":500", await failed.Content.ReadAsStringAsync());
        var missing = await app.Client.GetAsync("/missing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType!.MediaType);
    }

    [Theory]
    [OnEveryServer]
    public async Task Response_compression_replaces_the_body_feature_and_compresses(ServerKind server)
    {
        var text = string.Concat(Enumerable.Repeat("compress me please ", 500));
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseResponseCompression();
            web.MapGet("/text", () => text);
        }, configure: builder => builder.Services.AddResponseCompression());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/text");
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        var answer = await app.Client.SendAsync(request);
        Assert.Equal("gzip", answer.Content.Headers.ContentEncoding.Single());
        var compressed = await answer.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < text.Length / 10);
        await using var gzip = new System.IO.Compression.GZipStream(new MemoryStream(compressed), System.IO.Compression.CompressionMode.Decompress);
        Assert.Equal(text, await new StreamReader(gzip).ReadToEndAsync());
    }

    [Theory]
    [OnEveryServer]
    public async Task Static_files_whole_ranged_and_conditional(ServerKind server)
    {
        var root = Directory.CreateTempSubdirectory("micro-static-");
        try
        {
            var content = new byte[200_000];
            new Random(3).NextBytes(content);
            await File.WriteAllBytesAsync(Path.Combine(root.FullName, "data.bin"), content);
            await using var app = await ServedApp.StartAsync(server, web => web.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(root.FullName),
                ServeUnknownFileTypes = true,
            }));
            var whole = await app.Client.GetAsync("/data.bin");
            Assert.Equal(content.Length, whole.Content.Headers.ContentLength);
            Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync());

            using var ranged = new HttpRequestMessage(HttpMethod.Get, "/data.bin");
            ranged.Headers.Range = new RangeHeaderValue(1000, 1999);
            var part = await app.Client.SendAsync(ranged);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal(content[1000..2000], await part.Content.ReadAsByteArrayAsync());

            using var conditional = new HttpRequestMessage(HttpMethod.Get, "/data.bin");
            conditional.Headers.IfNoneMatch.Add(whole.Headers.ETag!);
            Assert.Equal(HttpStatusCode.NotModified, (await app.Client.SendAsync(conditional)).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await app.Client.GetAsync("/missing.bin")).StatusCode);
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    [Theory]
    [OnEveryServer]
    public async Task Antiforgery_refuses_a_form_without_its_token_and_takes_one_with_it(ServerKind server)
    {
        await using var app = await ServedApp.StartAsync(server, web =>
        {
            web.UseAntiforgery();
            web.MapGet("/form", (Microsoft.AspNetCore.Antiforgery.IAntiforgery antiforgery, HttpContext context) =>
                antiforgery.GetAndStoreTokens(context).RequestToken!);
            web.MapPost("/form", ([Microsoft.AspNetCore.Mvc.FromForm] string name) => $"hello {name}");
        }, configure: builder => builder.Services.AddAntiforgery());
        var token = await app.Client.GetStringAsync("/form"); // the cookie half stays in the client's cookie container
        var without = await app.Client.PostAsync("/form", new FormUrlEncodedContent([new("name", "ada")]));
        Assert.Equal(HttpStatusCode.BadRequest, without.StatusCode);
        var with = await app.Client.PostAsync("/form", new FormUrlEncodedContent([new("name", "ada"), new("__RequestVerificationToken", token)]));
        Assert.Equal("hello ada", await with.Content.ReadAsStringAsync());
    }
}
