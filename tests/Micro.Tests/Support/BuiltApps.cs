namespace Micro.Tests;

/// <summary>Where the apps the tests run as processes were built, alongside the tests and in the same configuration.</summary>
internal static class BuiltApps
{
    private static readonly string Configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;

    /// <summary>examples/HelloWorld's dll.</summary>
    public static string HelloWorld => Dll("../../../../../examples/HelloWorld", "HelloWorld");

    /// <summary>examples/Chat's dll.</summary>
    public static string Chat => Dll("../../../../../examples/Chat", "Chat");

    /// <summary>examples/TechEmpower's dll.</summary>
    public static string TechEmpower => Dll("../../../../../examples/TechEmpower", "TechEmpower");

    /// <summary>tests/TargetApp's dll: the app hostile clients, the soak and the descriptor-limit tests aim at.</summary>
    public static string TargetApp => Dll("../../../../TargetApp", "TargetApp");

    private static string Dll(string projectDirectory, string name) =>
        Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, projectDirectory, "bin", Configuration, "net10.0", name + ".dll"));
}
