using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bulwark.Silo.Hosting;

/// <summary>Healthy when a grain call through this silo answers within two seconds.</summary>
internal sealed class ClusterHealthCheck(IGrainFactory grains) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var answer = await grains.GetGrain<IPingGrain>(0).PingAsync(42).AsTask().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return answer == 42 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("ping answered wrongly");
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }
}
