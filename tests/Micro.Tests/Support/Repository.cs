namespace Micro.Tests;

/// <summary>Where the repository's sources are, found from the test's own directory.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
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
