namespace Resso.Functions.SelfHost;

internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Information, "Listening to queue {Queue} (batchSize {BatchSize}, maxDequeueCount {MaxDequeueCount})")]
    public static partial void ListenerStarted(ILogger logger, string queue, int batchSize, int maxDequeueCount);

    [LoggerMessage(101, LogLevel.Information, "Stopped listening to queue {Queue}")]
    public static partial void ListenerStopped(ILogger logger, string queue);

    [LoggerMessage(102, LogLevel.Warning, "Could not receive from queue {Queue}; backing off")]
    public static partial void ReceiveFailed(ILogger logger, Exception exception, string queue);

    [LoggerMessage(109, LogLevel.Debug, "Could not receive from queue {Queue} while storage is unreachable; backing off")]
    public static partial void ReceiveFailedDuringOutage(ILogger logger, Exception exception, string queue);

    [LoggerMessage(103, LogLevel.Error, "Handler for queue {Queue} failed on message {MessageId} (attempt {DequeueCount} of {MaxDequeueCount})")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string queue, string messageId, long dequeueCount, int maxDequeueCount);

    [LoggerMessage(104, LogLevel.Error, "Message {MessageId} of queue {Queue} moved to {PoisonQueue} after {DequeueCount} attempts: {Reason}")]
    public static partial void MovedToPoison(ILogger logger, string queue, string messageId, long dequeueCount, string poisonQueue, string reason);

    [LoggerMessage(105, LogLevel.Error, "Could not move message {MessageId} of queue {Queue} to its poison queue; it will be retried")]
    public static partial void PoisonFailed(ILogger logger, Exception exception, string queue, string messageId);

    [LoggerMessage(106, LogLevel.Warning, "Message {MessageId} of queue {Queue} could not be deleted: its lease expired and it will be delivered again")]
    public static partial void LeaseLost(ILogger logger, string queue, string messageId);

    [LoggerMessage(107, LogLevel.Warning, "Could not delete message {MessageId} of queue {Queue}; it will be delivered again")]
    public static partial void CompleteFailed(ILogger logger, Exception exception, string queue, string messageId);

    [LoggerMessage(108, LogLevel.Warning, "Could not release message {MessageId} of queue {Queue}; it reappears when its lease ends")]
    public static partial void ReleaseFailed(ILogger logger, Exception exception, string queue, string messageId);

    [LoggerMessage(120, LogLevel.Debug, "Timer {Timer} ({Schedule}) next runs at {Next:O}")]
    public static partial void TimerScheduled(ILogger logger, string timer, string schedule, DateTimeOffset next);

    [LoggerMessage(121, LogLevel.Error, "Timer {Timer} failed; it runs again at its next occurrence")]
    public static partial void TimerFailed(ILogger logger, Exception exception, string timer);

    [LoggerMessage(130, LogLevel.Information, "Resso self-host listening on {Urls} (environment {Environment}); health: {HealthUrl}")]
    public static partial void Listening(ILogger logger, string urls, string environment, string healthUrl);

    [LoggerMessage(131, LogLevel.Information, "Storage {Storage}: tables {Tables}, queues {Queues}, blobs {Blobs}")]
    public static partial void StorageStatus(ILogger logger, string storage, string tables, string queues, string blobs);

    [LoggerMessage(140, LogLevel.Debug, "Landing page: storage did not answer; no examples shown")]
    public static partial void LandingExamplesUnavailable(ILogger logger, Exception exception);
}
