using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Micro.WebSockets;
using static Micro.AspNetCore.Authorization;

namespace Micro.AspNetCore.Tests.InMicroApps;

/// <summary>
/// Issue 22, part 2: ASP.NET Core's authentication (JWT bearer, cookies, from NuGet and the framework) in front of a
/// Micro app's own routes, the user it decides in <c>req.User</c>, and authorization as Micro route middleware.
/// </summary>
public sealed class AuthenticationInMicroAppTests
{
    private static void AddJwt(IServiceCollection services)
    {
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = TestTokens.Validation;
        });
        services.AddAuthorizationBuilder().AddPolicy("admin", policy => policy.RequireRole("admin"));
    }

    private static HttpRequestMessage Get(string path, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return request;
    }

    [Fact]
    public async Task Jwt_bearer_decides_req_User_and_Authorize_answers_401_or_403_as_ASP_NET_Core_does()
    {
        await using var served = ServedMicroApp.Start(AddJwt, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseAuthentication());
            app.Get("/whoami", (req, res) => res.Send(req.User.Identity!.IsAuthenticated ? req.User.FindFirst("name")!.Value : "anonymous"));
            app.Get("/me", Authorize(), (req, res) => res.Send(req.User.Identity!.Name!));
            app.Get("/admin", Authorize("admin"), (req, res) => res.Send("admin area"));
            app.Get("/editors", AuthorizeRoles("editor", "admin"), (req, res) => res.Send("editors"));
        });
        var client = served.Client;
        Assert.Equal("anonymous", await client.GetStringAsync("/whoami"));

        var anonymous = await client.SendAsync(Get("/me"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(0, anonymous.Content.Headers.ContentLength);

        var user = TestTokens.Token(new Claim("name", "ada"));
        Assert.Equal("ada", await (await client.SendAsync(Get("/whoami", user))).Content.ReadAsStringAsync());
        Assert.Equal("ada", await (await client.SendAsync(Get("/me", user))).Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Get("/admin", user))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(Get("/editors", user))).StatusCode);

        var admin = TestTokens.Token(new Claim("name", "root"), new Claim("role", "admin"));
        Assert.Equal("admin area", await (await client.SendAsync(Get("/admin", admin))).Content.ReadAsStringAsync());
        Assert.Equal("editors", await (await client.SendAsync(Get("/editors", admin))).Content.ReadAsStringAsync());

        // A forged signature, an expired token: 401 with the reason in the challenge, as on Kestrel.
        var forged = await client.SendAsync(Get("/me", user[..^4] + "AAAA"));
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Contains("invalid_token", forged.Headers.WwwAuthenticate.Single().Parameter, StringComparison.Ordinal);
        // The request after a rejected one on the same connection is someone else's: no user carried over.
        Assert.Equal("anonymous", await client.GetStringAsync("/whoami"));
    }

    [Fact]
    public async Task Authorize_with_a_policy_the_app_never_added_answers_500_and_logs_the_missing_name()
    {
        await using var served = ServedMicroApp.Start(AddJwt, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseAuthentication());
            app.Get("/typo", Authorize("admn"), (req, res) => res.Send("never"));
            app.Get("/ok", (req, res) => res.Send("ok"));
        });
        Assert.Equal(HttpStatusCode.InternalServerError, (await served.Client.GetAsync("/typo")).StatusCode);
        Assert.Contains(served.Logs.Entries, entry => entry.Exception?.Message.Contains("'admn' was not found", StringComparison.Ordinal) == true);
        Assert.Equal("ok", await served.Client.GetStringAsync("/ok"));
    }

    [Fact]
    public async Task Cookie_sign_in_through_req_HttpContext_sets_the_cookie_and_the_next_request_is_that_user()
    {
        await using var served = ServedMicroApp.Start(services =>
        {
            services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme).AddCookie(options =>
            {
                options.Events.OnRedirectToLogin = context =>
                {
                    context.Response.StatusCode = 401;
                    return Task.CompletedTask;
                };
            });
            services.AddAuthorization();
        }, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseAuthentication());
            app.Post("/login", async (req, res) =>
            {
                var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, req.Text())], CookieAuthenticationDefaults.AuthenticationScheme);
                await req.HttpContext.SignInAsync(new ClaimsPrincipal(identity));
                res.Send("signed in");
            });
            app.Get("/me", Authorize(), (req, res) => res.Send($"hello {req.User.Identity!.Name}"));
        });
        using var handler = new HttpClientHandler { CookieContainer = new CookieContainer() };
        using var client = new HttpClient(handler) { BaseAddress = served.Url };
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/me")).StatusCode);
        var login = await client.PostAsync("/login", new StringContent("grace"));
        Assert.Equal("signed in", await login.Content.ReadAsStringAsync());
        Assert.Contains(login.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(".AspNetCore.Cookies=", StringComparison.Ordinal));
        Assert.Equal("hello grace", await client.GetStringAsync("/me"));
    }

    [Fact]
    public async Task A_WebSocket_route_behind_Authorize_refuses_the_upgrade_without_a_token_and_knows_the_user_with_one()
    {
        await using var served = ServedMicroApp.Start(AddJwt, app =>
        {
            app.UseAspNetCore(pipeline => pipeline.UseAuthentication());
            app.WebSocket("/feed", Authorize(), async (socket, req) =>
            {
                await socket.SendAsync($"hello {req.User.FindFirst("name")!.Value}");
                await socket.CloseAsync();
            });
        });
        var wsUrl = new Uri($"ws://127.0.0.1:{served.Url.Port}/feed");
        using (var refused = new ClientWebSocket())
        {
            var error = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(wsUrl, CancellationToken.None));
            Assert.Contains("401", error.Message, StringComparison.Ordinal);
        }
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + TestTokens.Token(new Claim("name", "linus")));
        await socket.ConnectAsync(wsUrl, CancellationToken.None);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello linus", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }
}
