using System.Reflection;
using Xunit.Sdk;

namespace Micro.AspNetCore.Tests;

/// <summary>A theory run once on each server (<see cref="ServerKind"/>: Kestrel, Micro, Micro inline), its one argument the server.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class OnEveryServerAttribute : DataAttribute
{
    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => ServedApp.Servers;
}
