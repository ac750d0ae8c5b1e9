using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Micro.Tests;

/// <summary>
/// The layers of framework/Micro, checked on the compiled IL: each depends only on those below it.
/// Parser (its own assembly) &lt; Transport &lt; Http &lt; Hosting &lt; Routing &lt; the app (Micro, and its rooms: Files,
/// Forms, Compression, Cors, Proxy, Diagnostics) &lt; Testing.
/// Routing is generic (it knows neither HTTP exchanges nor the app), so it stands apart from Transport and Http too.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Framework = typeof(MicroApp).Assembly;

    /// <summary>Every type of the app's root namespace, by full name (a namespace prefix would also match Micro.Http and the rest).</summary>
    private static readonly string[] AppRootTypes =
        [.. Framework.GetTypes().Where(type => type.Namespace == "Micro" && !type.IsNested).Select(type => type.FullName!)];

    /// <summary>The app's own rooms: features built on the public API, above the engine.</summary>
    private static readonly string[] AppFeatures = ["Micro.Files", "Micro.Forms", "Micro.Compression", "Micro.Cors", "Micro.Proxy", "Micro.Diagnostics"];

    public static TheoryData<string, string[]> Layers => new()
    {
        { "Micro.Transport", ["Micro.Http", "Micro.Hosting", "Micro.Routing", .. AppFeatures, "Micro.Testing"] },
        { "Micro.Http", ["Micro.Hosting", "Micro.Routing", .. AppFeatures, "Micro.Testing"] },
        { "Micro.Hosting", ["Micro.Routing", .. AppFeatures, "Micro.Testing"] },
        { "Micro.Routing", ["Micro.Transport", "Micro.Http", "Micro.Hosting", .. AppFeatures, "Micro.Testing"] },
        { "Micro.Files", ["Micro.Testing"] },
        { "Micro.Forms", ["Micro.Testing"] },
        { "Micro.Compression", ["Micro.Testing"] },
        { "Micro.Cors", ["Micro.Testing"] },
        { "Micro.Proxy", ["Micro.Testing"] },
        { "Micro.Diagnostics", ["Micro.Testing"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_depends_on_nothing_above_it(string layer, string[] above)
    {
        string[] forbidden = AppFeatures.Contains(layer) ? above : [.. above, .. AppRootTypes];
        var result = Types.InAssembly(Framework)
            .That().ResideInNamespaceMatching($"^{Regex.Escape(layer)}(\\..+)?$")
            .ShouldNot().HaveDependencyOnAny(forbidden)
            .GetResult();
        Assert.True(result.SelectedTypesForTesting.Any(), $"no types found in {layer}");
        Assert.True(result.IsSuccessful, $"{layer} depends on a layer above it: {string.Join(", ", result.FailingTypes?.Select(type => type.FullName) ?? [])}");
    }

    [Fact]
    public void The_app_does_not_depend_on_its_test_host()
    {
        var result = Types.InAssembly(Framework)
            .That().DoNotResideInNamespaceMatching("^Micro\\.Testing$")
            .ShouldNot().HaveDependencyOnAny("Micro.Testing")
            .GetResult();
        Assert.True(result.IsSuccessful, $"depends on Micro.Testing: {string.Join(", ", result.FailingTypes?.Select(type => type.FullName) ?? [])}");
    }

    [Fact]
    public void The_parser_depends_on_no_part_of_the_framework()
    {
        var references = typeof(Parser.RequestHead).Assembly.GetReferencedAssemblies().Select(name => name.Name);
        Assert.DoesNotContain("Micro", references);
    }

    /// <summary>The folders show the architecture: a file's namespace is its folder's.</summary>
    [Fact]
    public void Every_framework_file_declares_the_namespace_of_its_folder()
    {
        var root = Path.Combine(Repository.Root, "framework", "Micro");
        var misplaced = new List<string>();
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }
            var folder = Path.GetDirectoryName(relative)!;
            var expected = folder.Length == 0 ? "Micro" : "Micro." + folder.Replace(Path.DirectorySeparatorChar, '.');
            if (!File.ReadLines(file).Any(line => line == $"namespace {expected};"))
            {
                misplaced.Add($"{relative} (expected namespace {expected})");
            }
        }
        Assert.Empty(misplaced);
    }
}
