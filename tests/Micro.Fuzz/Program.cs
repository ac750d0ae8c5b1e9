// Micro's fuzzing harness. Under afl-fuzz (scripts/fuzz.sh): dotnet Micro.Fuzz.dll TARGET. To replay inputs by hand:
// dotnet Micro.Fuzz.dll TARGET FILE...  (prints each file's outcome). TARGET: parser, chunked, multipart, route, connection,
// app, aspnet.
using Micro.Fuzz;

string[] targets = [.. FuzzTargets.Names, FuzzTargets.AspNetCoreName];
if (args.Length == 0 || !targets.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: Micro.Fuzz TARGET [FILE...]   TARGET: {string.Join(", ", targets)}");
    return 2;
}
var target = args[0];
Action<byte[]> run = target == FuzzTargets.AspNetCoreName ? FuzzTargets.RunAspNetCore : input => FuzzTargets.Run(target, input);
if (args.Length > 1)
{
    var failures = 0;
    foreach (var file in args[1..])
    {
        try
        {
            run(File.ReadAllBytes(file));
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
    run(copy.ToArray());
});
return 0;
