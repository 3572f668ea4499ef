using Microsoft.Extensions.Logging;

namespace Resso.Shared;

internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "Storage ready: {Tables} tables, {Queues} queues, {Containers} containers")]
    public static partial void StorageProvisioned(ILogger logger, int tables, int queues, int containers);

    [LoggerMessage(2, LogLevel.Error, "Could not create the app's tables, queues and containers; retrying in {DelaySeconds} s")]
    public static partial void StorageProvisioningFailed(ILogger logger, Exception exception, double delaySeconds);

    [LoggerMessage(10, LogLevel.Warning, "Message {MessageId} rejected whole to {PoisonQueue}: {Reason}")]
    public static partial void MessageRejected(ILogger logger, string messageId, string poisonQueue, string reason);

    [LoggerMessage(11, LogLevel.Warning, "Message {MessageId}: event {Index} rejected to {PoisonQueue}: {Errors}")]
    public static partial void EventRejected(ILogger logger, string messageId, int index, string poisonQueue, string errors);

    [LoggerMessage(12, LogLevel.Debug, "Message {MessageId}: {Valid} valid events, {Counted} counted, {Duplicates} duplicates, {Rejected} rejected")]
    public static partial void MessageProcessed(ILogger logger, string messageId, int valid, int counted, int duplicates, int rejected);

    [LoggerMessage(20, LogLevel.Warning, "Could not write {Rows} click rows or offer log lines; they are kept for the next flush")]
    public static partial void AnalyticsWriteFailed(ILogger logger, Exception exception, int rows);

    [LoggerMessage(21, LogLevel.Error, "Dropped {Rows} click rows or offer log lines: {MaxPending} were already waiting for storage")]
    public static partial void AnalyticsRowsDropped(ILogger logger, long rows, int maxPending);
}
