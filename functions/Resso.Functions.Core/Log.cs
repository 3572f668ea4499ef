using Microsoft.Extensions.Logging;

namespace Resso.Functions.Core;

internal static partial class Log
{
    [LoggerMessage(200, LogLevel.Warning, "Could not refresh the catalog snapshot; serving the previous one")]
    public static partial void CatalogRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(241, LogLevel.Debug, "Could not refresh the catalog snapshot while storage is unreachable; serving the previous one")]
    public static partial void CatalogRefreshDeferred(ILogger logger, Exception exception);

    [LoggerMessage(260, LogLevel.Information, "Catalog snapshot {Sequence} loaded: {Songs} songs, {Changed} changed since")]
    public static partial void CatalogSnapshotLoaded(ILogger logger, long sequence, int songs, int changed);

    [LoggerMessage(201, LogLevel.Warning, "Could not refresh cached {Key}; serving the previous value")]
    public static partial void CacheRefreshFailed(ILogger logger, Exception exception, string key);

    [LoggerMessage(242, LogLevel.Debug, "Could not refresh the cached {Key} while storage is unreachable; serving the previous value")]
    public static partial void CacheRefreshDeferred(ILogger logger, Exception exception, string key);

    // Refusals name the route and the reason, never the key, token or code that was refused.
    [LoggerMessage(210, LogLevel.Warning, "Refused {Method} {Route}: {Reason}")]
    public static partial void KeyRefused(ILogger logger, string method, string route, string reason);

    [LoggerMessage(211, LogLevel.Information, "Link refused: {Status}")]
    public static partial void LinkRefused(ILogger logger, string status);

    [LoggerMessage(212, LogLevel.Information, "Claim refused: {Outcome}")]
    public static partial void ClaimRefused(ILogger logger, string outcome);

    [LoggerMessage(213, LogLevel.Information, "Claim redeemed: offer {OfferId}, click {ClickId}")]
    public static partial void ClaimRedeemed(ILogger logger, string offerId, string clickId);

    [LoggerMessage(214, LogLevel.Warning, "Could not read subscription changes; cached subscription states may stay stale until the next read or their expiry")]
    public static partial void SubscriptionChangesFailed(ILogger logger, Exception exception);

    [LoggerMessage(215, LogLevel.Debug, "Could not read subscription changes while storage is unreachable")]
    public static partial void SubscriptionChangesDeferred(ILogger logger, Exception exception);

    [LoggerMessage(220, LogLevel.Debug, "Could not sample queue depths for telemetry; the gauges keep the previous sample")]
    public static partial void QueueDepthSampleFailed(ILogger logger, Exception exception);

    [LoggerMessage(230, LogLevel.Information, "Erased a user: {Deleted} rows, events, messages and blobs deleted, {Pseudonymized} rows kept without the user, {ModelVersions} model versions changed; a retrain is queued")]
    public static partial void UserErased(ILogger logger, int deleted, int pseudonymized, int modelVersions);

    [LoggerMessage(231, LogLevel.Warning, "Could not read the erasure markers; events of a user erased meanwhile are held back until they are read")]
    public static partial void ErasureMarkersFailed(ILogger logger, Exception exception);

    [LoggerMessage(233, LogLevel.Debug, "Could not read the erasure markers while storage is unreachable")]
    public static partial void ErasureMarkersDeferred(ILogger logger, Exception exception);

    [LoggerMessage(232, LogLevel.Information, "Retention (cut-off {Cutoff:O}): deleted {EventLogBlobs} event-log blobs, {CountedEvents} counted events, {SubscriptionChanges} subscription change rows, {ErasureMarkers} expired erasure markers")]
    public static partial void RetentionEnforced(ILogger logger, DateTimeOffset cutoff, int eventLogBlobs, int countedEvents, int subscriptionChanges, int erasureMarkers);

    // No exception, so no stack trace: the line says all an operator needs.
    [LoggerMessage(240, LogLevel.Critical, "Cannot start: {Setting}: {Problem}")]
    public static partial void InvalidSetting(ILogger logger, string setting, string problem);
}
