using Micro.Topics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Micro.Redis;

/// <summary><c>builder.Services.AddMicroRedisBackplane(builder.Configuration)</c>: the app's topics cross its instances through Redis.</summary>
public static class RedisBackplaneExtensions
{
    /// <summary>
    /// Adds a Redis backplane configured from <paramref name="configuration"/>: the connection string from
    /// <c>ConnectionStrings:Redis</c> (or <c>Micro:Redis:Configuration</c>), the rest from the <c>Micro:Redis</c>
    /// section (ChannelPrefix, MaxMessageBytes, MaxQueuedMessages, MaxQueuedBytes, MaxInboundBacklog,
    /// MaxReconnectDelay), then <paramref name="configure"/>. A Micro app attaches it as it starts serving.
    /// </summary>
    public static IServiceCollection AddMicroRedisBackplane(this IServiceCollection services, IConfiguration configuration, Action<RedisBackplaneOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new RedisBackplaneOptions();
        var section = configuration.GetSection("Micro:Redis");
        section.Bind(options);
        options.Configuration = configuration.GetConnectionString("Redis") ?? options.Configuration;
        configure?.Invoke(options);
        return services.AddMicroRedisBackplane(options);
    }

    /// <summary>Adds a Redis backplane with <paramref name="options"/>.</summary>
    public static IServiceCollection AddMicroRedisBackplane(this IServiceCollection services, RedisBackplaneOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(); // a missing connection string is said at start, not at the first publish
        services.AddSingleton(provider => new RedisBackplane(options, provider.GetService<ILogger<RedisBackplane>>()));
        services.AddSingleton<ITopicBackplane>(provider => provider.GetRequiredService<RedisBackplane>());
        return services;
    }

    /// <summary>
    /// Reports the backplane to ASP.NET Core's health checks: Healthy while Redis is connected, Degraded (not
    /// Unhealthy: the instance still serves its own subscribers) while it is not.
    /// </summary>
    public static IHealthChecksBuilder AddMicroRedisBackplane(this IHealthChecksBuilder builder, string name = "redis-backplane")
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(name, provider => new BackplaneHealthCheck(provider.GetRequiredService<ITopicBackplane>()), HealthStatus.Degraded, ["backplane"]));
    }

    private sealed class BackplaneHealthCheck(ITopicBackplane backplane) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var health = backplane.Health;
            return Task.FromResult(health.IsConnected ? HealthCheckResult.Healthy(health.Description) : HealthCheckResult.Degraded(health.Description));
        }
    }
}
