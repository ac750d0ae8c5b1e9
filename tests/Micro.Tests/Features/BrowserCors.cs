namespace Micro.Tests.Features;

/// <summary>
/// What a browser decides from a server's CORS answers, after the Fetch standard (sections 3.2 and 4.8-4.10): written
/// from the standard, independent of the middleware, so the tests check the browser's rules rather than our own.
/// </summary>
internal static class BrowserCors
{
    private static readonly string[] SafelistedMethods = ["GET", "HEAD", "POST"];
    private static readonly string[] SafelistedResponseHeaders = ["cache-control", "content-language", "content-length", "content-type", "expires", "last-modified", "pragma"];

    /// <summary>The CORS check (4.9): may script from <paramref name="origin"/> read this response?</summary>
    public static bool PassesCorsCheck(HttpResponseMessage response, string origin, bool credentials)
    {
        var allowOrigin = Single(response, "Access-Control-Allow-Origin");
        if (allowOrigin is null || (allowOrigin == "*" && credentials) || (allowOrigin != "*" && allowOrigin != origin))
        {
            return false;
        }
        return !credentials || Single(response, "Access-Control-Allow-Credentials") == "true";
    }

    /// <summary>
    /// The CORS-preflight fetch (4.8): does this preflight answer let the actual request go? <paramref name="headers"/>
    /// are the request's CORS-unsafe header names: those not safelisted by name and value (Content-Type is one when
    /// it is application/json), which are also the ones the preflight named.
    /// </summary>
    public static bool PreflightAllows(HttpResponseMessage preflight, string origin, bool credentials, string method, params string[] headers)
    {
        if ((int)preflight.StatusCode is < 200 or > 299 || !PassesCorsCheck(preflight, origin, credentials))
        {
            return false;
        }
        var methods = List(preflight, "Access-Control-Allow-Methods");
        var allowedHeaders = List(preflight, "Access-Control-Allow-Headers");
        var methodOk = methods.Contains(method, StringComparer.Ordinal) || SafelistedMethods.Contains(method) || (!credentials && methods.Contains("*"));
        var headersOk = headers.All(header =>
            allowedHeaders.Contains(header, StringComparer.OrdinalIgnoreCase)
            || (!credentials && allowedHeaders.Contains("*") && !header.Equals("Authorization", StringComparison.OrdinalIgnoreCase)));
        return methodOk && headersOk;
    }

    /// <summary>Whether script may read <paramref name="header"/> of a CORS response (the CORS-exposed header-name list).</summary>
    public static bool ExposesHeader(HttpResponseMessage response, string header, bool credentials)
    {
        var exposed = List(response, "Access-Control-Expose-Headers");
        return SafelistedResponseHeaders.Contains(header, StringComparer.OrdinalIgnoreCase)
            || exposed.Contains(header, StringComparer.OrdinalIgnoreCase)
            || (!credentials && exposed.Contains("*"));
    }

    private static string? Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) && values.Count() == 1 ? values.Single() : null;

    private static List<string> List(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values)
            ? [.. values.SelectMany(v => v.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))]
            : [];
}
