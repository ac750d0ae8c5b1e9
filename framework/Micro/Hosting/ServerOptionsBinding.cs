using Micro.Parser;
using Microsoft.Extensions.Configuration;

namespace Micro.Hosting;

/// <summary>
/// The configuration's <c>Micro</c> section onto <see cref="MicroServerOptions"/>, for Micro's app builder and the
/// ASP.NET Core host alike. Bound by generated code (EnableConfigurationBindingGenerator: nothing reflected, so an app
/// published trimmed or as Native AOT reads its settings as any other does). The parser's limits are an immutable record
/// whose one shared default every server starts from: they are made anew from the section, never written into that
/// default (the reflection binder wrote its init-only properties in place, so one app's setting changed every server's
/// in the process).
/// </summary>
internal static class ServerOptionsBinding
{
    public static void BindServerOptions(this IConfiguration section, MicroServerOptions options)
    {
        var limits = options.ParserLimits;
        section.Bind(options);
        var configured = section.GetSection(nameof(MicroServerOptions.ParserLimits));
        options.ParserLimits = !configured.Exists() ? limits : limits with
        {
            MaxRequestLineLength = configured.GetValue(nameof(HttpParserLimits.MaxRequestLineLength), limits.MaxRequestLineLength),
            MaxHeaderBytes = configured.GetValue(nameof(HttpParserLimits.MaxHeaderBytes), limits.MaxHeaderBytes),
            MaxHeaderCount = configured.GetValue(nameof(HttpParserLimits.MaxHeaderCount), limits.MaxHeaderCount),
            MaxChunkExtensionLength = configured.GetValue(nameof(HttpParserLimits.MaxChunkExtensionLength), limits.MaxChunkExtensionLength),
        };
    }
}
