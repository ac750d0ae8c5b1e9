using System.Net;
using System.Net.Http.Json;
using Micro.Tests.Shared;

namespace Micro.Templates.Tests;

/// <summary>
/// Native AOT, as a user publishes it: tests/NativeAotApp's source in a project of its own that references Micro's
/// packages (from the local feed), published with PublishAot for this machine, then run. The same executable serves
/// ASP.NET Core's webapiaot shape on Micro's engine and, given "micro", Micro's own routes behind an ASP.NET Core
/// middleware, reading the request's HttpContext: each must start (an app on
/// Micro crashed at start once, on a call a native image does not support), read its settings from the command line
/// (bound by generated code), and serve JSON through the app's source-generated context; a type the context lacks is
/// refused with a message that says how to add it. The publish must give no trimming or AOT warning.
/// </summary>
[Collection(nameof(PackedFeed))]
public sealed class NativeAotTests(PackedFeed packed) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("micro-aot-").FullName;

    [Fact]
    public async Task An_app_on_micro_publishes_as_native_aot_and_serves_on_both_apis()
    {
        var project = Directory.CreateDirectory(Path.Combine(_work, "NativeAotApp")).FullName;
        File.Copy(Path.Combine(LocalFeed.Repository(), "tests", "NativeAotApp", "Program.cs"), Path.Combine(project, "Program.cs"));
        await File.WriteAllTextAsync(Path.Combine(project, "NativeAotApp.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ImplicitUsings>enable</ImplicitUsings>
                <InvariantGlobalization>true</InvariantGlobalization>
                <PublishAot>true</PublishAot>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Micro.AspNetCore" Version="{packed.Version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), LocalFeed.NuGetConfig(packed.Folder, Path.Combine(_work, "packages")));
        var output = Path.Combine(_work, "published");
        var published = await LocalFeed.DotnetAsync(project, "publish", "-c", "Release", "-o", output, "-nodeReuse:false");
        Assert.DoesNotMatch(@"warning (IL\d+|AOT)", published);
        var executable = Path.Combine(output, "NativeAotApp");
        Assert.False(File.Exists(Path.Combine(output, "NativeAotApp.dll")), "a native executable, not a managed assembly");

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using (var app = await ServedProcess.StartAsync(executable, deadline.Token, ["--urls", "http://127.0.0.1:0", "--Micro:ServerHeader", "aspnet-aot"], portZero: false))
        {
            await AnswersAsync(app.Url, "aspnet-aot", deadline.Token);
            await app.StopWithSigtermAsync(deadline.Token);
        }
        using (var app = await ServedProcess.StartAsync(executable, deadline.Token, ["micro", "--port", "0", "--Micro:ServerHeader", "micro-aot"], portZero: false))
        {
            await AnswersAsync(app.Url, "micro-aot", deadline.Token);
            using var client = new HttpClient { BaseAddress = new Uri(app.Url) };
            Assert.Equal("aspnetcore", (await client.GetAsync("/", deadline.Token)).Headers.GetValues("X-Pipeline").Single());
            using (var agent = new HttpRequestMessage(HttpMethod.Get, "/agent"))
            {
                agent.Headers.UserAgent.ParseAdd("native-test/1.0");
                Assert.Equal("native-test/1.0", await (await client.SendAsync(agent, deadline.Token)).Content.ReadAsStringAsync(deadline.Token));
            }
            var unlisted = await client.GetAsync("/unlisted", deadline.Token);
            Assert.Equal(HttpStatusCode.InternalServerError, unlisted.StatusCode);
            await app.WaitForOutputAsync("app.JsonOptions.TypeInfoResolverChain.Insert(0, MyJsonContext.Default)", deadline.Token);
            Assert.Contains("No JSON metadata for Unlisted", app.Output);
            await app.StopWithSigtermAsync(deadline.Token);
        }
    }

    /// <summary>The routes both shapes of the app serve, alike.</summary>
    private static async Task AnswersAsync(string url, string serverHeader, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri(url) };
        var hello = await client.GetAsync("/", cancellationToken);
        Assert.Equal("Hello, World!", await hello.Content.ReadAsStringAsync(cancellationToken));
        Assert.Equal(serverHeader, hello.Headers.Server.ToString());
        Assert.Equal("""{"id":7,"title":"Todo 7","done":false}""", await client.GetStringAsync("/todos/7", cancellationToken));
        var created = await client.PostAsync("/todos", new StringContent("""{"id":3,"title":"Ship it","done":false}""", System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("""{"id":3,"title":"Ship it","done":true}""", await created.Content.ReadAsStringAsync(cancellationToken));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
