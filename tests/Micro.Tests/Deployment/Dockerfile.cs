using System.Text.Json;
using System.Text.RegularExpressions;

namespace Micro.Tests.Deployment;

/// <summary>What the last stage of a Dockerfile sets for the container it makes: enough of the format to run its app as the image would.</summary>
internal sealed partial record Dockerfile(
    IReadOnlyDictionary<string, string> Environment, string? User, string? Expose, string? StopSignal, string[] EntryPoint, string[] HealthCheck)
{
    public static Dockerfile RuntimeStage(string text)
    {
        // Continuation lines joined; comments dropped; only what follows the last FROM.
        var lines = text.Replace("\\\n", " ").Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).ToList();
        var stage = lines.Skip(lines.FindLastIndex(line => line.StartsWith("FROM ", StringComparison.Ordinal)) + 1);
        var environment = new Dictionary<string, string>();
        string? user = null, expose = null, stopSignal = null;
        string[] entryPoint = [], healthCheck = [];
        foreach (var line in stage)
        {
            var (instruction, rest) = line.Split(' ', 2) is [var first, var second] ? (first, second.Trim()) : (line, "");
            switch (instruction)
            {
                case "ENV":
                    foreach (Match pair in EnvironmentPair().Matches(rest))
                    {
                        environment[pair.Groups[1].Value] = pair.Groups[2].Value.Trim('"');
                    }
                    break;
                case "USER":
                    user = rest;
                    break;
                case "EXPOSE":
                    expose = rest;
                    break;
                case "STOPSIGNAL":
                    stopSignal = rest;
                    break;
                case "ENTRYPOINT":
                    entryPoint = JsonSerializer.Deserialize<string[]>(rest)!;
                    break;
                case "HEALTHCHECK":
                    healthCheck = JsonSerializer.Deserialize<string[]>(rest[(rest.IndexOf("CMD ", StringComparison.Ordinal) + 4)..])!;
                    break;
            }
        }
        return new Dockerfile(environment, user, expose, stopSignal, entryPoint, healthCheck);
    }

    [GeneratedRegex(@"(\w+)=(""[^""]*""|\S+)")]
    private static partial Regex EnvironmentPair();
}
