using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Micro;

/// <summary>
/// What every request of an app reads from the app's settings (its body limit, form limits, JSON options, services),
/// taken once when the app starts serving, as the server's own limits are: a pooled request is attached to this one
/// object, which comes back the same request after request (nothing stored), rather than to four values read from
/// three places each time.
/// </summary>
internal sealed record RequestSettings(long MaxBodySize, FormOptions FormLimits, JsonSerializerOptions Json, IServiceScopeFactory? ScopeFactory);
