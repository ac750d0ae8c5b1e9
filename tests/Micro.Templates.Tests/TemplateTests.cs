using System.Diagnostics;
using System.Text;
using System.Xml.Linq;
using Micro.Tests.Shared;

namespace Micro.Templates.Tests;

/// <summary>
/// `dotnet new micro` the way a user meets it: the framework and the template packed into a local feed, the template
/// installed (into a private template store), a project created, restored from that feed (Micro's packages) and
/// nuget.org (the rest), built, tested, started, and asked for a page.
/// </summary>
[Collection(nameof(PackedFeed))]
public sealed class TemplateTests(PackedFeed packed) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("micro-template-").FullName;

    [Fact]
    public async Task Dotnet_new_micro_creates_a_project_that_builds_passes_its_tests_and_serves()
    {
        var repository = LocalFeed.Repository();
        var (feed, version) = (packed.Folder, packed.Version);
        var hive = Path.Combine(_work, "hive");

        // The analyzers travel in the package (MICRO001: async void handlers), where the compiler finds them.
        using (var package = System.IO.Compression.ZipFile.OpenRead(Path.Combine(feed, $"Micro.{version}.nupkg")))
        {
            Assert.Contains(package.Entries, entry => entry.FullName == "analyzers/dotnet/cs/Micro.Analyzers.dll");
        }
        var templateProject = XDocument.Load(Path.Combine(repository, "examples/Micro.Templates/content/MicroApi/MicroApi/MicroApi.csproj"));
        Assert.Equal(version, templateProject.Descendants("PackageReference").Single(p => (string?)p.Attribute("Include") == "Micro").Attribute("Version")!.Value);

        var templatePackage = Assert.Single(Directory.GetFiles(feed, "Micro.Templates.*.nupkg"));
        await LocalFeed.DotnetAsync(_work, "new", "install", templatePackage, "--debug:custom-hive", hive);
        await LocalFeed.DotnetAsync(_work, "new", "micro", "-n", "MyApi", "-o", "MyApi", "--port", "5055", "--debug:custom-hive", hive);

        var app = Path.Combine(_work, "MyApi");
        Assert.True(File.Exists(Path.Combine(app, "MyApi", "MyApi.csproj")), "the project is named after -n");
        Assert.True(File.Exists(Path.Combine(app, "MyApi.Tests", "MyApi.Tests.csproj")));
        // The project's tests run the app in memory, through the public test host, with no port.
        Assert.Contains("new(Routes.Create([]))", await File.ReadAllTextAsync(Path.Combine(app, "MyApi.Tests", "RoutesTests.cs")));
        Assert.Contains("private readonly MicroTestHost _host", await File.ReadAllTextAsync(Path.Combine(app, "MyApi.Tests", "RoutesTests.cs")));
        var readme = await File.ReadAllTextAsync(Path.Combine(app, "README.md"));
        Assert.Contains("# MyApi", readme);
        Assert.Contains("http://127.0.0.1:5055", readme); // the template's --port option
        Assert.Contains("const int DefaultPort = 5055;", await File.ReadAllTextAsync(Path.Combine(app, "MyApi", "Program.cs")));
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(app, "Dockerfile")); // the container image, named and ported as the app
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"MyApi.dll\"]", dockerfile);
        Assert.Contains("ENV ASPNETCORE_HTTP_PORTS=5055", dockerfile);
        Assert.Contains("MyApi.Tests/", await File.ReadAllTextAsync(Path.Combine(app, ".dockerignore")));
        await File.WriteAllTextAsync(Path.Combine(app, "nuget.config"), LocalFeed.NuGetConfig(feed, Path.Combine(_work, "packages")));

        await LocalFeed.DotnetAsync(app, "build", "-c", "Release", "-nodeReuse:false");
        // The project was built against the package just packed, not a copy from an earlier restore.
        var restored = Path.Combine(_work, "packages", "micro", version, $"micro.{version}.nupkg.sha512");
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.SHA512.HashData(await File.ReadAllBytesAsync(Path.Combine(feed, $"Micro.{version}.nupkg")))), await File.ReadAllTextAsync(restored));
        var tests = await LocalFeed.DotnetAsync(app, "test", "-c", "Release", "--no-build");
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+4", tests);

        await ServeAsync(Path.Combine(app, "MyApi", "bin", "Release", "net10.0", "MyApi.dll"));

        // --auth: a route only a signed-in caller reaches, ASP.NET Core's JwtBearer in front of Micro's routes; its test
        // (401 without a token, the user with one, 401 for a token signed with another key) passes with the others.
        await LocalFeed.DotnetAsync(_work, "new", "micro", "-n", "SignedApi", "-o", "SignedApi", "--auth", "--debug:custom-hive", hive);
        var signed = Path.Combine(_work, "SignedApi");
        Assert.Contains("Authorize()", await File.ReadAllTextAsync(Path.Combine(signed, "SignedApi", "Routes.cs")));
        Assert.Contains("## Signed-in routes", await File.ReadAllTextAsync(Path.Combine(signed, "README.md")));
        Assert.DoesNotContain("#if", await File.ReadAllTextAsync(Path.Combine(signed, "SignedApi", "SignedApi.csproj")));
        Assert.DoesNotContain("Authorize", await File.ReadAllTextAsync(Path.Combine(app, "MyApi", "Routes.cs")));
        Assert.DoesNotContain("Signed-in", readme);
        await File.WriteAllTextAsync(Path.Combine(signed, "nuget.config"), LocalFeed.NuGetConfig(feed, Path.Combine(_work, "packages")));
        await LocalFeed.DotnetAsync(signed, "build", "-c", "Release", "-nodeReuse:false");
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+5", await LocalFeed.DotnetAsync(signed, "test", "-c", "Release", "--no-build"));
    }

    private static async Task ServeAsync(string dll)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var app = await ServedProcess.StartAsync(dll, deadline.Token);
        using var client = new HttpClient();
        var response = await client.GetAsync(app.Url, deadline.Token);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("Hello from MyApi!", await response.Content.ReadAsStringAsync(deadline.Token));
        Assert.Equal("{\"id\":4,\"title\":\"Todo number 4\",\"done\":true}", await client.GetStringAsync(app.Url + "/todos/4", deadline.Token));
        // The Dockerfile's HEALTHCHECK command, pointed at this instance's port: exit code 0 while it serves, 1 once it is gone.
        var port = new Uri(app.Url).Port.ToString();
        await LocalFeed.DotnetAsync(Path.GetDirectoryName(dll)!, dll, "--health-check", "--port", port);
        await app.StopWithSigtermAsync(deadline.Token);
        using var probe = Process.Start("dotnet", [dll, "--health-check", "--port", port]);
        await probe.WaitForExitAsync(deadline.Token);
        Assert.Equal(1, probe.ExitCode);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
