namespace TechEmpower.Data;

/// <summary>The benchmark's fixed data: the size of World, the 12 fortunes, and the one added at request time.</summary>
public static class TechEmpowerData
{
    /// <summary>World has ids 1 to 10,000, each with a random number from 1 to 10,000.</summary>
    public const int WorldRows = 10_000;

    /// <summary>The fortune every /fortunes request adds before sorting.</summary>
    public static readonly Fortune Additional = new(0, "Additional fortune added at request time.");

    /// <summary>The standard contents of the Fortune table.</summary>
    public static readonly IReadOnlyList<Fortune> Fortunes =
    [
        new(1, "fortune: No such file or directory"),
        new(2, "A computer scientist is someone who fixes things that aren't broken."),
        new(3, "After enough decimal places, nobody gives a damn."),
        new(4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
        new(5, "A computer program does what you tell it to do, not what you want it to do."),
        new(6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
        new(7, "Any program that runs never has bugs."),
        new(8, "A list is only as strong as its weakest link. — Donald Knuth"),
        new(9, "Feature: A bug with seniority."),
        new(10, "Computers make very fast, very accurate mistakes."),
        new(11, "<script>alert(\"This should not be displayed in a browser alert box.\");</script>"),
        new(12, "フレームワークのベンチマーク"),
    ];

    /// <summary>A random World id, 1 to 10,000.</summary>
    public static int RandomId() => Random.Shared.Next(1, WorldRows + 1);

    /// <summary>A random number for a World row, 1 to 10,000.</summary>
    public static int RandomNumber() => Random.Shared.Next(1, WorldRows + 1);
}
