using System.Diagnostics;
using System.Text;

namespace Micro.Templates.Tests;

/// <summary>
/// Building apps as a user builds them: Micro's packages packed into a local feed and restored from it, the
/// dotnet CLI run with no build servers left behind.
/// </summary>
internal static class LocalFeed
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Packs <paramref name="projects"/> (already built, in this test's configuration) into <paramref name="feed"/>; Micro's version.</summary>
    public static async Task<string> PackAsync(string repository, string feed, params string[] projects)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        foreach (var project in projects)
        {
            await DotnetAsync(repository, "pack", Path.Combine(repository, project), "-c", configuration, "--no-build", "-o", feed, "-nodeReuse:false");
        }
        var micro = Assert.Single(Directory.GetFiles(feed, "Micro.0*.nupkg"));
        return Path.GetFileNameWithoutExtension(micro)["Micro.".Length..];
    }

    /// <summary>
    /// Micro's packages from the local feed alone (source mapping: never a copy an earlier restore left on the machine
    /// or a Micro on nuget.org), everything else as a user gets it, from nuget.org, with this machine's package folder
    /// beside it so what the repository's own restore fetched is not fetched again. The package folder alone is not
    /// enough: on a fresh machine it lacks what the template's packages ask for and the repository does not (JwtBearer's
    /// Microsoft.IdentityModel asks for Logging.Abstractions 8.0.0). Packages go to a folder of the test's own.
    /// </summary>
    public static string NuGetConfig(string feed, string packages)
    {
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{packages}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
                <add key="machine" value="{machinePackages}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
              </fallbackPackageFolders>
              <packageSourceMapping>
                <packageSource key="local">
                  <package pattern="Micro" />
                  <package pattern="Micro.*" />
                </packageSource>
                <packageSource key="machine">
                  <package pattern="*" />
                </packageSource>
                <packageSource key="nuget.org">
                  <package pattern="*" />
                </packageSource>
              </packageSourceMapping>
            </configuration>
            """;
    }

    public static async Task<string> DotnetAsync(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["NUGET_PACKAGES"] = null; // the nuget.config decides, not the caller's environment
        // No build servers left behind holding this test's pipes open.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(start)!;
        using var deadline = new CancellationTokenSource(StepTimeout);
        var output = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var errors = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish within {StepTimeout}");
        }
        var text = new StringBuilder().Append(await output).Append(await errors).ToString();
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', arguments)} failed with {process.ExitCode}:\n{text}");
        return text;
    }

    /// <summary>The repository this test runs from (the directory with Micro.sln above it).</summary>
    public static string Repository()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Micro.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Micro.sln above {AppContext.BaseDirectory}");
    }
}
