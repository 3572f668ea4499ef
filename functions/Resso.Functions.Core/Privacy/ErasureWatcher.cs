using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Privacy;

/// <summary>
/// Reads the erasure markers every <see cref="PrivacyOptions.MarkerPollInterval"/>, as
/// <see cref="Offers.SubscriptionChangeWatcher"/> reads subscription changes, so that every instance
/// holds a new marker within seconds: from then on it drops the user's events before counting them,
/// answers the user's recommendations and mixes afresh (cached answers are keyed with the marker) and
/// decides their offers without a cached subscription state.
/// </summary>
public sealed class ErasureWatcher(ErasureMarkers erasures, StorageProvisioner provisioner, StorageHealthProbe probe, IOptions<PrivacyOptions> options, TimeProvider timeProvider, ILogger<ErasureWatcher> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await erasures.RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // While storage is unreachable the probe says so once; the failures themselves are Debug.
                if (await probe.IsOutageAsync(ex, stoppingToken))
                {
                    Log.ErasureMarkersDeferred(logger, ex);
                }
                else
                {
                    Log.ErasureMarkersFailed(logger, ex);
                }
            }

            await Task.Delay(options.Value.MarkerPollInterval, timeProvider, stoppingToken);
        }
    }
}
