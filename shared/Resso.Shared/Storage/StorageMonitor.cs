using Microsoft.Extensions.Hosting;

namespace Resso.Shared.Storage;

/// <summary>
/// Checks storage every <see cref="StorageHealthProbe.RetryInterval"/> through the probe (sharing its
/// cached answer with health requests), so that an outage and its end are logged, one line per
/// service, whether or not anything polls health.
/// </summary>
public sealed class StorageMonitor(StorageHealthProbe probe, TimeProvider timeProvider) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await probe.CheckAsync(stoppingToken);
            await Task.Delay(StorageHealthProbe.RetryInterval, timeProvider, stoppingToken);
        }
    }
}
