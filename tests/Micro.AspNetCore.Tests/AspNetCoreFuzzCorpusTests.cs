using Micro.Fuzz;

namespace Micro.AspNetCore.Tests;

/// <summary>
/// The ASP.NET Core host's fuzz target (tests/Micro.Fuzz, `scripts/fuzz.sh aspnet`) over its seed corpus and every
/// finding kept in regressions/aspnet: what fuzzing once broke stays fixed.
/// </summary>
public sealed class AspNetCoreFuzzCorpusTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../Micro.Fuzz"));

    public static TheoryData<string> Inputs()
    {
        var inputs = new TheoryData<string>();
        foreach (var folder in new[] { "corpus", "regressions" })
        {
            var directory = Path.Combine(Root, folder, FuzzTargets.AspNetCoreName);
            if (Directory.Exists(directory))
            {
                foreach (var file in Directory.GetFiles(directory).Order())
                {
                    inputs.Add(Path.GetRelativePath(Root, file));
                }
            }
        }
        return inputs;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_fuzz_input_keeps_the_hosts_invariants(string file) => FuzzTargets.RunAspNetCore(File.ReadAllBytes(Path.Combine(Root, file)));

    [Fact]
    public void The_host_target_has_a_seed_corpus() =>
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, "corpus", FuzzTargets.AspNetCoreName)));
}
