using System.IO.Compression;
using System.Text;
using System.Text.Json;

namespace HttpArena.Tests;

/// <summary>
/// Data made for one test run, in the arena's shapes: a dataset.json of 50 items and a static directory with text
/// files (each with the .br and .gz siblings the arena ships) and binary ones (without). Random, from a fixed seed.
/// </summary>
public sealed class ArenaData : IDisposable
{
    private static readonly string[] Categories = ["electronics", "tools", "books", "office", "garden"];
    private static readonly string[] Tags = ["fast", "new", "sale", "wireless", "heavy-duty", "popular", "eco"];

    public ArenaData(int seed = 9112)
    {
        var random = new Random(seed);
        Directory = Path.Combine(Path.GetTempPath(), $"micro-httparena-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(StaticDirectory);
        Items = [.. Enumerable.Range(1, 50).Select(id => new DatasetItem(
            id, $"Item {id} {(char)('A' + random.Next(26))}", Categories[random.Next(Categories.Length)], random.Next(1, 500), random.Next(1, 1000),
            random.Next(2) == 0, [.. Tags.OrderBy(_ => random.Next()).Take(random.Next(1, 4))], new Rating(random.Next(1, 50), random.Next(1, 500))))];
        File.WriteAllText(Path.Combine(Directory, "dataset.json"), JsonSerializer.Serialize(Items, ArenaJson.Default.DatasetItemArray));

        Text("reset.css", string.Concat(Enumerable.Range(0, 600).Select(i => $".c{i} {{ margin: {i % 7}px; color: #{random.Next(0xffffff):x6}; }}\n")));
        Text("app.js", string.Concat(Enumerable.Range(0, 900).Select(i => $"export function f{i}(x) {{ return x * {random.Next(100)}; }}\n")));
        Text("manifest.json", JsonSerializer.Serialize(new { name = "arena", icons = Enumerable.Range(0, 40).Select(i => $"/icon-{i}.png").ToArray() }));
        Text("header.html", "<!doctype html><header>" + string.Concat(Enumerable.Repeat("<nav><a href=\"/\">Home</a></nav>", 300)) + "</header>");
        Text("logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\">" + string.Concat(Enumerable.Range(0, 200).Select(i => $"<circle r=\"{i}\"/>")) + "</svg>");
        Binary("bold.woff2", 20_000, random);
        Binary("hero.webp", 45_000, random);
    }

    public string Directory { get; }

    public string StaticDirectory => Path.Combine(Directory, "static");

    public DatasetItem[] Items { get; }

    /// <summary>Every static file made, with its bytes: the text ones have siblings, the binary ones not.</summary>
    public Dictionary<string, byte[]> StaticFiles { get; } = [];

    public HashSet<string> Compressible { get; } = [];

    private void Text(string name, string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        File.WriteAllBytes(Path.Combine(StaticDirectory, name), bytes);
        using (var brotli = new BrotliStream(File.Create(Path.Combine(StaticDirectory, name + ".br")), CompressionLevel.SmallestSize))
        {
            brotli.Write(bytes);
        }
        using (var gzip = new GZipStream(File.Create(Path.Combine(StaticDirectory, name + ".gz")), CompressionLevel.SmallestSize))
        {
            gzip.Write(bytes);
        }
        StaticFiles[name] = bytes;
        Compressible.Add(name);
    }

    private void Binary(string name, int size, Random random)
    {
        var bytes = new byte[size];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(StaticDirectory, name), bytes);
        StaticFiles[name] = bytes;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
