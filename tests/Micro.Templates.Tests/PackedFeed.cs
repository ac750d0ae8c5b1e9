namespace Micro.Templates.Tests;

/// <summary>
/// Micro's packages and its template, packed once (from this build, with no build of their own) into a local feed the
/// collection's tests restore Micro from, as a user restores it from nuget.org. One collection: packing writes into the
/// projects' obj folders, so two packs at once would collide.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("micro-feed-").FullName;

    /// <summary>The folder the packages are in.</summary>
    public string Folder => _root;

    /// <summary>Micro's version, as packed.</summary>
    public string Version { get; private set; } = "";

    public async Task InitializeAsync() =>
        Version = await LocalFeed.PackAsync(LocalFeed.Repository(), _root, "parser/Micro.Parser", "framework/Micro", "framework/Micro.AspNetCore", "examples/Micro.Templates");

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}

[CollectionDefinition(nameof(PackedFeed))]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>;
