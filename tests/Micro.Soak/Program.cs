// The chaos soak against a running tests/TargetApp: dotnet Micro.Soak.dll URL PID MINUTES [CLIENTS] [SEED].
// scripts/soak.sh starts the app and runs this. Prints the scenarios run, the requests checked, the failures, and the
// server's open descriptors and RSS before, at their peak and after; exits 1 on any failure or leak.
using System.Net;
using Micro.Soak;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Micro.Soak URL PID MINUTES [CLIENTS] [SEED]");
    return 2;
}
var url = new Uri(args[0]);
var pid = int.Parse(args[1]);
var duration = TimeSpan.FromMinutes(double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
var clients = args.Length > 3 ? int.Parse(args[3]) : 64;
var seed = args.Length > 4 ? int.Parse(args[4]) : Environment.TickCount;
// The ASP.NET Core host takes a client's FIN as the client gone, as Kestrel does (scripts/soak.sh sets SOAK_APP).
var finEndsRequests = Environment.GetEnvironmentVariable("SOAK_APP") == "aspnetcore";
var report = await Soak.RunAsync(new IPEndPoint(IPAddress.Parse(url.Host), url.Port), pid, duration, clients, seed, Console.Out, finEndsRequests);
return report.Passed ? 0 : 1;
