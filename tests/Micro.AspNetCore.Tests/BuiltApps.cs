namespace Micro.AspNetCore.Tests;

/// <summary>Where the apps these tests run as processes were built, alongside the tests and in the same configuration.</summary>
internal static class BuiltApps
{
    /// <summary>tests/AspNetCoreTargetApp's dll: an ASP.NET Core app on Micro (socket activation, the chaos soak).</summary>
    public static string AspNetCoreTargetApp => Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../AspNetCoreTargetApp/bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0/AspNetCoreTargetApp.dll"));
}
