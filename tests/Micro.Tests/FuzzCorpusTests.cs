using Micro.Fuzz;

namespace Micro.Tests;

/// <summary>
/// Every seed input of tests/Micro.Fuzz/corpus and every finding kept in tests/Micro.Fuzz/regressions, through its
/// fuzz target and its invariants: what fuzzing once broke stays fixed (scripts/fuzz.sh runs the fuzzer itself).
/// </summary>
public sealed class FuzzCorpusTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../Micro.Fuzz"));

    public static TheoryData<string, string> Inputs()
    {
        var inputs = new TheoryData<string, string>();
        foreach (var folder in new[] { "corpus", "regressions" })
        {
            foreach (var target in FuzzTargets.Names)
            {
                var directory = Path.Combine(Root, folder, target);
                if (Directory.Exists(directory))
                {
                    foreach (var file in Directory.GetFiles(directory).Order())
                    {
                        inputs.Add(target, Path.GetRelativePath(Root, file));
                    }
                }
            }
        }
        return inputs;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_fuzz_input_keeps_its_targets_invariants(string target, string file) =>
        FuzzTargets.Run(target, File.ReadAllBytes(Path.Combine(Root, file)));

    [Fact]
    public void Every_target_has_a_seed_corpus() =>
        Assert.All(FuzzTargets.Names, target => Assert.NotEmpty(Directory.GetFiles(Path.Combine(Root, "corpus", target))));
}
