using Micro.Http;

namespace Micro.Tests;

/// <summary>The raw handler most engine tests serve: "Hello, World!" for every request.</summary>
internal static class Hello
{
    public static ValueTask Handler(HttpExchange exchange)
    {
        exchange.Respond(200, "text/plain"u8, "Hello, World!"u8);
        return default;
    }
}
