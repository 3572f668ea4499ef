using Microsoft.Extensions.Logging;

namespace Resso.Shared;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Storage ready: {Tables} tables, {Queues} queues, {Containers} containers")]
    public static partial void StorageProvisioned(ILogger logger, int tables, int queues, int containers);

    [LoggerMessage(2, LogLevel.Error, "Could not create the app's tables, queues and containers; retrying in {DelaySeconds} s")]
    public static partial void StorageProvisioningFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(3, LogLevel.Debug, "Could not create the app's tables, queues and containers while storage is unreachable; retrying in {DelaySeconds} s")]
    public static partial void StorageProvisioningDeferred(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(4, LogLevel.Warning, "{Service} at {Endpoint} unreachable ({Error}); retrying every {RetrySeconds} s")]
    public static partial void StorageUnreachable(ILogger logger, string service, string endpoint, string error, double retrySeconds);

    [LoggerMessage(5, LogLevel.Warning, "{Service} at {Endpoint} still unreachable since {Since:O} ({Error}); retrying every {RetrySeconds} s")]
    public static partial void StorageStillUnreachable(ILogger logger, string service, string endpoint, DateTimeOffset since, string error, double retrySeconds);

    [LoggerMessage(6, LogLevel.Information, "{Service} at {Endpoint} reachable again after {OutageSeconds} s")]
    public static partial void StorageReachableAgain(ILogger logger, string service, string endpoint, double outageSeconds);

    [LoggerMessage(7, LogLevel.Warning, "Storage answered {Cause}: re-created {Count} missing tables, queues or containers ({Created}) in {Milliseconds} ms; what they held before is gone")]
    public static partial void StorageRecreated(ILogger logger, string cause, int count, string created, double milliseconds);

    [LoggerMessage(8, LogLevel.Information, "Storage answered {Cause}, but every table, queue and container exists now ({Milliseconds} ms): made meanwhile by start-up provisioning, another instance or hand")]
    public static partial void StorageNothingToRecreate(ILogger logger, string cause, double milliseconds);

    [LoggerMessage(9, LogLevel.Warning, "Could not re-create missing tables, queues or containers after {Cause} ({Error}); retrying in {DelaySeconds} s")]
    public static partial void StorageRecreationFailed(ILogger logger, string cause, string error, double delaySeconds);

    [LoggerMessage(14, LogLevel.Debug, "Re-creating missing tables, queues or containers stopped with the app")]
    public static partial void StorageRecreationStopped(ILogger logger, Exception exception);

    [LoggerMessage(10, LogLevel.Warning, "Message {MessageId} of queue {Queue} rejected whole to {PoisonQueue}: {Reason} (body: {BodyLength} bytes, in {BodyLocation})")]
    public static partial void MessageRejected(ILogger logger, string messageId, string queue, string poisonQueue, string reason, int bodyLength, string bodyLocation);

    [LoggerMessage(11, LogLevel.Warning, "Message {MessageId} of queue {Queue}: event {Index} rejected to {PoisonQueue}: {Reason}: {Errors} (event: {BodyLength} bytes, in {BodyLocation})")]
    public static partial void EventRejected(ILogger logger, string messageId, string queue, int index, string poisonQueue, string reason, string errors, int bodyLength, string bodyLocation);

    [LoggerMessage(13, LogLevel.Error, "Message {MessageId} of queue {Queue} is not base64 and could not be moved to {PoisonQueue}; it stays in the queue and is tried again when its lease ends")]
    public static partial void UndecodableNotMoved(ILogger logger, Exception exception, string messageId, string queue, string poisonQueue);

    [LoggerMessage(12, LogLevel.Debug, "Message {MessageId}: {Valid} valid events, {Counted} counted, {Duplicates} duplicates, {Rejected} rejected")]
    public static partial void MessageProcessed(ILogger logger, string messageId, int valid, int counted, int duplicates, int rejected);

    [LoggerMessage(20, LogLevel.Warning, "Could not write {Rows} click rows or offer log lines; they are kept for the next flush")]
    public static partial void AnalyticsWriteFailed(ILogger logger, Exception exception, int rows);

    [LoggerMessage(21, LogLevel.Error, "Dropped {Rows} click rows or offer log lines: {MaxPending} were already waiting for storage")]
    public static partial void AnalyticsRowsDropped(ILogger logger, long rows, int maxPending);
}
