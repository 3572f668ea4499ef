using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;

namespace Resso.Functions.Core.Privacy;

/// <summary>What one retention run deleted.</summary>
/// <param name="EventLogBlobs">Event-log blobs of hours older than the retention.</param>
/// <param name="CountedEvents">Counted-event rows counted before the retention's cut-off.</param>
/// <param name="SubscriptionChanges">Subscription change rows older than a day (they only carry a change to other instances' caches).</param>
/// <param name="ErasureMarkers">Expired erasure markers.</param>
public sealed record RetentionResult(int EventLogBlobs, int CountedEvents, int SubscriptionChanges, int ErasureMarkers);

/// <summary>
/// The retention timer (app setting <c>Resso__Privacy__RetentionSchedule</c>, daily): deletes raw
/// events older than <see cref="PrivacyOptions.EventRetention"/> (event-log blobs by the hour they were
/// written, counted-event rows by when they were counted), subscription change rows older than a day
/// and expired erasure markers. Training reads the counted-event rows, so it learns from the retention's
/// window at most (docs/privacy.md).
/// </summary>
public sealed class RetentionTimer(
    EventLog eventLog,
    InteractionStore interactions,
    AttributionStore attribution,
    ErasureMarkers erasures,
    IOptions<PrivacyOptions> options,
    TimeProvider timeProvider,
    ILogger<RetentionTimer> logger) : ITimerHandler
{
    /// <summary>The schedule, as the <c>TimerTrigger</c> attribute holds it (a configuration key, as <see cref="Model.RetrainTimer.ScheduleExpression"/>).</summary>
    public const string ScheduleExpression = "%Resso:Privacy:RetentionSchedule%";

    /// <summary>How long subscription change rows are kept.</summary>
    public static readonly TimeSpan SubscriptionChangesKept = TimeSpan.FromDays(1);

    /// <inheritdoc />
    public string Name => "RetentionTimer";

    /// <inheritdoc />
    public string Schedule => ScheduleExpression;

    /// <inheritdoc />
    public Task RunAsync(CancellationToken cancellationToken = default) => EnforceAsync(cancellationToken);

    /// <summary>Deletes what is older than kept; returns what it deleted.</summary>
    public async Task<RetentionResult> EnforceAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var cutoff = now - options.Value.EventRetention;
        var result = new RetentionResult(
            await eventLog.DeleteOlderThanAsync(cutoff, cancellationToken),
            await interactions.DeleteCountedBeforeAsync(cutoff, cancellationToken),
            await attribution.DeleteSubscriptionChangesBeforeAsync(now - SubscriptionChangesKept, cancellationToken),
            await erasures.DeleteExpiredAsync(cancellationToken));
        Log.RetentionEnforced(logger, cutoff, result.EventLogBlobs, result.CountedEvents, result.SubscriptionChanges, result.ErasureMarkers);
        return result;
    }
}
