using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.CompilerServices;
using System.Text;
using Micro;

// Counts the source files of framework/Micro that one pipelined request with an async handler runs through, from
// epoll_wait back to sendmsg. The server runs in a child process with the JIT listing every method it compiles
// (DOTNET_JitDisasmSummary, in release runtimes since .NET 7); a method is compiled the first time it runs, so the
// methods compiled between two markers (the connection accepted, the responses read) are those the request ran first.
// The portable PDB maps each method to the files its code is in. Not counted, alike before and after a change: what
// ran before (accepting the connection, the reactor's loop, the parser, which StartupWarmup runs once at start) and
// the connection's close.
//
//   dotnet run -c Release --project benchmarks/PathFiles [--methods]   -> the files (and their methods), then the counts
if (args is ["serve"])
{
    var app = new MicroApp();
    app.Get("/async", async (req, res) =>
    {
        await Task.Yield(); // the continuation comes home to the reactor: the async path
        res.Send("async");
    });
    app.Get("/sync", (req, res) => res.Send("sync"));
    using var accepted = new ManualResetEventSlim();
    using var meters = new MeterListener
    {
        InstrumentPublished = (instrument, listener) =>
        {
            if (instrument is { Name: "micro.server.active_connections" })
            {
                listener.EnableMeasurementEvents(instrument);
            }
        },
    };
    meters.SetMeasurementEventCallback<long>((_, change, _, _) => accepted.Set());
    meters.Start();
    app.Listen(0);
    using var client = new TcpClient();
    client.Connect(IPAddress.Loopback, app.EndPoints[0].Port);
    if (!accepted.Wait(TimeSpan.FromSeconds(10)))
    {
        throw new TimeoutException("the connection was not accepted");
    }
    Thread.Sleep(500); // a tool, not a test: the reactor finishes registering the connection before the marker
    Markers.ConnectionAccepted();
    var stream = client.GetStream();
    // Two requests in one write: an async one, and one pipelined behind it that must wait for its turn.
    stream.Write("GET /async HTTP/1.1\r\nHost: localhost\r\n\r\nGET /sync HTTP/1.1\r\nHost: localhost\r\n\r\n"u8);
    stream.ReadTimeout = 10_000;
    var received = new StringBuilder();
    var buffer = new byte[4096];
    while (!received.ToString().EndsWith("\r\n\r\nsync", StringComparison.Ordinal))
    {
        var read = stream.Read(buffer);
        if (read == 0)
        {
            throw new InvalidOperationException("the server closed before answering: " + received);
        }
        received.Append(Encoding.ASCII.GetString(buffer, 0, read));
    }
    Markers.ResponsesRead();
    client.Close();
    await app.StopAsync();
    return 0;
}

var jitList = Path.Combine(Path.GetTempPath(), $"pathfiles-{Environment.ProcessId}.txt");
var start = new ProcessStartInfo("dotnet", [typeof(Markers).Assembly.Location, "serve"])
{
    Environment = { ["DOTNET_JitDisasmSummary"] = "1", ["DOTNET_JitStdOutFile"] = jitList },
};
using (var server = Process.Start(start)!)
{
    if (!server.WaitForExit(60_000) || server.ExitCode != 0)
    {
        throw new InvalidOperationException("the measured server failed");
    }
}

var lines = File.ReadAllLines(jitList);
File.Delete(jitList);
var from = Array.FindIndex(lines, line => line.Contains("Markers:ConnectionAccepted", StringComparison.Ordinal));
var to = Array.FindIndex(lines, line => line.Contains("Markers:ResponsesRead", StringComparison.Ordinal));
var methods = lines[(from + 1)..to]
    .Select(line => line[(line.IndexOf("JIT compiled ", StringComparison.Ordinal) + "JIT compiled ".Length)..])
    .Where(name => name.StartsWith("Micro.", StringComparison.Ordinal))
    .ToList();

var files = new SortedDictionary<string, int>(StringComparer.Ordinal);
var methodsOf = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
var listMethods = args.Contains("--methods");
var assembly = typeof(MicroApp).Assembly.Location;
using var pe = new PEReader(File.OpenRead(assembly));
using var pdb = MetadataReaderProvider.FromPortablePdbStream(File.OpenRead(Path.ChangeExtension(assembly, ".pdb")));
var metadata = pe.GetMetadataReader();
var debug = pdb.GetMetadataReader();
var documentsOf = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
var generated = new HashSet<string>(StringComparer.Ordinal); // auto-property accessors: nothing in them to read
foreach (var typeHandle in metadata.TypeDefinitions)
{
    var typeName = FullName(metadata, typeHandle);
    foreach (var methodHandle in metadata.GetTypeDefinition(typeHandle).GetMethods())
    {
        var definition = metadata.GetMethodDefinition(methodHandle);
        var key = typeName + ":" + metadata.GetString(definition.Name);
        if (definition.GetCustomAttributes().Any(attribute => AttributeName(metadata, attribute) == "CompilerGeneratedAttribute"))
        {
            generated.Add(key);
        }
        var documents = documentsOf.TryGetValue(key, out var known) ? known : documentsOf[key] = [];
        foreach (var point in debug.GetMethodDebugInformation(methodHandle).GetSequencePoints())
        {
            documents.Add(debug.GetString(debug.GetDocument(point.Document).Name));
        }
    }
}
var unmapped = 0;
var toRead = new SortedSet<string>(StringComparer.Ordinal);
foreach (var method in methods)
{
    if (!documentsOf.TryGetValue(Key(method), out var documents) || documents.Count == 0)
    {
        unmapped++;
        continue;
    }
    foreach (var document in documents)
    {
        var relative = document[(document.IndexOf("/framework/", StringComparison.Ordinal) + 1)..];
        files[relative] = files.GetValueOrDefault(relative) + 1;
        if (!generated.Contains(Key(method)) && !relative.Contains("/obj/", StringComparison.Ordinal))
        {
            toRead.Add(relative);
        }
        (methodsOf.TryGetValue(relative, out var list) ? list : methodsOf[relative] = []).Add(Key(method));
    }
}
foreach (var (file, count) in files)
{
    Console.WriteLine($"{count,4}  {(toRead.Contains(file) ? "read" : "    ")}  {file}");
    if (listMethods)
    {
        methodsOf[file].ForEach(method => Console.WriteLine($"        {method}"));
    }
}
Console.WriteLine($"{files.Count} files, {toRead.Count} to read (code beyond auto-property accessors and generated interop), {methods.Count} methods first run by the request ({unmapped} without source: compiler-made)");
return 0;

// "Micro.Http.HttpExchange+<WriteAsync>d__12`1[System.__Canon]:MoveNext():this" -> "Micro.Http.HttpExchange+<WriteAsync>d__12`1:MoveNext"
static string Key(string jitName)
{
    var colon = jitName.IndexOf(':');
    var type = StripGenericArguments(jitName[..colon]);
    var rest = jitName[(colon + 1)..];
    var end = rest.IndexOfAny(['(', '[']);
    return type + ":" + (end < 0 ? rest : rest[..end]);
}

static string StripGenericArguments(string name)
{
    var result = new StringBuilder();
    var depth = 0;
    foreach (var c in name)
    {
        depth += c == '[' ? 1 : c == ']' ? -1 : 0;
        if (depth == 0 && c != ']')
        {
            result.Append(c);
        }
    }
    return result.ToString();
}

static string AttributeName(MetadataReader metadata, CustomAttributeHandle handle)
{
    var constructor = metadata.GetCustomAttribute(handle).Constructor;
    if (constructor.Kind != HandleKind.MemberReference)
    {
        return "";
    }
    var parent = metadata.GetMemberReference((MemberReferenceHandle)constructor).Parent;
    return parent.Kind == HandleKind.TypeReference ? metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name) : "";
}

static string FullName(MetadataReader metadata, TypeDefinitionHandle handle)
{
    var type = metadata.GetTypeDefinition(handle);
    var name = metadata.GetString(type.Name);
    var declaring = type.GetDeclaringType();
    if (!declaring.IsNil)
    {
        return FullName(metadata, declaring) + "+" + name;
    }
    var space = metadata.GetString(type.Namespace);
    return space.Length == 0 ? name : space + "." + name;
}

/// <summary>Methods whose first (and only) compilation marks a moment in the JIT's list.</summary>
internal static class Markers
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ConnectionAccepted() { }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ResponsesRead() { }
}
