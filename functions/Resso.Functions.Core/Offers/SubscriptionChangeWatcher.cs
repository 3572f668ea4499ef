using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resso.Shared.Attribution;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Offers;

/// <summary>
/// Drops this instance's cached subscription state of every user whose state changed on any
/// instance, within seconds: every <see cref="PollEvery"/> it reads the changes written next to the
/// states since its last look (less <see cref="Overlap"/>, for clocks that differ between instances
/// and writes still in flight), so that a user who just converted elsewhere is not offered a trial
/// again while a cached "never subscribed" is fresh. The cache's own freshness is the fallback for
/// a change this misses.
/// </summary>
public sealed class SubscriptionChangeWatcher(AttributionStore attribution, OfferService offers, StorageProvisioner provisioner, StorageHealthProbe probe, TimeProvider timeProvider, ILogger<SubscriptionChangeWatcher> logger) : BackgroundService
{
    /// <summary>How often the changes are read.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(5);

    /// <summary>How far before its last look each read starts again.</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    // Changes already acted on, by when and who, kept while they are within the overlap.
    private readonly HashSet<(DateTimeOffset ChangedAt, string UserId)> _seen = [];
    // Nothing is cached before the first offer, so changes from before start-up do not matter.
    private DateTimeOffset _lastLook = timeProvider.GetUtcNow();

    // Reads the changes since the last look and forgets the cached state of users not seen before.
    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var look = timeProvider.GetUtcNow();
        var since = _lastLook - Overlap;
        await foreach (var change in attribution.ReadSubscriptionChangesAsync(since, cancellationToken))
        {
            if (_seen.Add(change))
            {
                offers.ForgetSubscription(change.UserId);
            }
        }

        _seen.RemoveWhere(c => c.ChangedAt < since);
        _lastLook = look;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            await Task.Delay(PollEvery, timeProvider, stoppingToken);
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // While storage is unreachable the probe says so once; the failures themselves are Debug.
                if (await probe.IsOutageAsync(ex, stoppingToken))
                {
                    Log.SubscriptionChangesDeferred(logger, ex);
                }
                else
                {
                    Log.SubscriptionChangesFailed(logger, ex);
                }
            }
        }
    }
}
