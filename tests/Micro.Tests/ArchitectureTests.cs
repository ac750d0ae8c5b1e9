using System.Reflection;
using System.Text.RegularExpressions;
using NetArchTest.Rules;

namespace Micro.Tests;

/// <summary>
/// The layers of framework/Micro, checked on the compiled IL: each depends only on those below it.
/// Parser (its own assembly) &lt; Transport &lt; Http &lt; Hosting &lt; the root (Micro: MicroApp, Request, Response, Router)
/// &lt; the plugin rooms (Compression, Cors, Proxy, Diagnostics, WebSockets, ServerSentEvents, Metadata) &lt; Testing.
/// Topics (the subscribers of each reactor, the publish, the backplane seam) stands on the transport alone: the root,
/// WebSockets and event streams use it, and it knows none of them. Beside them: Routing (generic, it knows neither HTTP nor the app) and the components Files and Forms, which the
/// root uses and which name no part of the framework. A plugin plugs into a seam the root defines
/// (<see cref="IResponseBodyFilter"/>, <see cref="IForwardedClient"/>), so the root names no plugin: no cycles.
/// </summary>
public sealed class ArchitectureTests
{
    private static readonly Assembly Framework = typeof(MicroApp).Assembly;

    /// <summary>Every type of the app's root namespace, by full name (a namespace prefix would also match Micro.Http and the rest).</summary>
    private static readonly string[] RootTypes =
        [.. Framework.GetTypes().Where(type => type.Namespace == "Micro" && !type.IsNested).Select(type => type.FullName!)];

    /// <summary>Rooms built on the root's public API and its seams, above it.</summary>
    private static readonly string[] Plugins = ["Micro.Compression", "Micro.Cors", "Micro.Proxy", "Micro.Diagnostics", "Micro.WebSockets", "Micro.ServerSentEvents", "Micro.Metadata"];

    /// <summary>Rooms the root uses, which know nothing of the framework.</summary>
    private static readonly string[] Components = ["Micro.Files", "Micro.Forms"];

    private static readonly string[] Engine = ["Micro.Transport", "Micro.Http", "Micro.Hosting"];

    public static TheoryData<string, string[]> Layers => new()
    {
        { "Micro.Transport", ["Micro.Http", "Micro.Hosting", "Micro.Routing", .. Components, .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Http", ["Micro.Hosting", "Micro.Routing", .. Components, .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Topics", ["Micro.Http", "Micro.Hosting", "Micro.Routing", .. Components, .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Hosting", ["Micro.Routing", .. Components, .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Routing", [.. Engine, .. Components, .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Files", [.. Engine, "Micro.Routing", "Micro.Forms", .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Forms", [.. Engine, "Micro.Routing", "Micro.Files", .. RootTypes, .. Plugins, "Micro.Testing"] },
        { "Micro.Compression", [.. Plugins.Except(["Micro.Compression"]), "Micro.Testing"] },
        { "Micro.Cors", [.. Plugins.Except(["Micro.Cors"]), "Micro.Testing"] },
        { "Micro.Proxy", [.. Plugins.Except(["Micro.Proxy"]), "Micro.Testing"] },
        { "Micro.Diagnostics", [.. Plugins.Except(["Micro.Diagnostics"]), "Micro.Testing"] },
        { "Micro.WebSockets", [.. Plugins.Except(["Micro.WebSockets"]), "Micro.Testing"] },
        { "Micro.ServerSentEvents", [.. Plugins.Except(["Micro.ServerSentEvents"]), "Micro.Testing"] },
        { "Micro.Metadata", [.. Plugins.Except(["Micro.Metadata"]), "Micro.Testing"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layer_depends_on_nothing_above_it(string layer, string[] above)
    {
        var result = Types.InAssembly(Framework)
            .That().ResideInNamespaceMatching($"^{Regex.Escape(layer)}(\\..+)?$")
            .ShouldNot().HaveDependencyOnAny(above)
            .GetResult();
        Assert.True(result.SelectedTypesForTesting.Any(), $"no types found in {layer}");
        Assert.True(result.IsSuccessful, $"{layer} depends on a layer above it: {string.Join(", ", result.FailingTypes?.Select(type => type.FullName) ?? [])}");
    }

    [Fact]
    public void The_root_names_no_plugin()
    {
        var result = Types.InAssembly(Framework)
            .That().HaveNameMatching(".")
            .And().ResideInNamespaceMatching("^Micro$")
            .ShouldNot().HaveDependencyOnAny([.. Plugins, "Micro.Testing"])
            .GetResult();
        Assert.True(result.SelectedTypesForTesting.Count() >= 10, "the root's types were not found");
        Assert.True(result.IsSuccessful, $"the root names a plugin room: {string.Join(", ", result.FailingTypes?.Select(type => type.FullName) ?? [])}");
    }

    /// <summary>
    /// The WebSocket protocol (frames, deflate, the connection, topics) is a peer of HTTP on the transport: only the
    /// handshake and the routes, which are HTTP, see HTTP's internals, and only app.Publish names the app.
    /// </summary>
    [Fact]
    public void The_WebSocket_protocol_depends_on_the_transport_not_on_HTTP()
    {
        var result = Types.InAssembly(Framework)
            .That().ResideInNamespaceMatching("^Micro\\.WebSockets$")
            .And().DoNotHaveNameMatching("^WebSocket(Handshake|Routes|Publishing)")
            .ShouldNot().HaveDependencyOnAny("Micro.Http", "Micro.Hosting", "Micro.MicroApp")
            .GetResult();
        Assert.True(result.SelectedTypesForTesting.Any(type => type.Name == "WebSocketConnection"), "WebSocketConnection was not found");
        Assert.True(result.IsSuccessful, $"depends on HTTP or the app: {string.Join(", ", result.FailingTypes?.Select(type => type.FullName) ?? [])}");
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
