// Micro's fuzzing harness. Under afl-fuzz (scripts/fuzz.sh): dotnet Micro.Fuzz.dll TARGET. To replay inputs by hand:
// dotnet Micro.Fuzz.dll TARGET FILE...  (prints each file's outcome). TARGET: parser, chunked, multipart, route, connection, app.
using Micro.Fuzz;

if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Micro.Fuzz TARGET [FILE...]   TARGET: {string.Join(", ", FuzzTargets.Names)}");
    return 2;
}
var target = args[0];
if (args.Length > 1)
{
    var failures = 0;
    foreach (var file in args[1..])
    {
        try
        {
            FuzzTargets.Run(target, File.ReadAllBytes(file));
            Console.WriteLine($"ok    {file}");
        }
        catch (Exception exception)
        {
            failures++;
            Console.WriteLine($"FAIL  {file}: {exception}");
        }
    }
    return failures == 0 ? 0 : 1;
}
SharpFuzz.Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    FuzzTargets.Run(target, copy.ToArray());
});
return 0;
