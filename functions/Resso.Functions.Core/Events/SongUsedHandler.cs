using Azure.Storage.Queues.Models;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Events;

/// <summary>The <c>song-used</c> queue function: processes one message of events.</summary>
public sealed class SongUsedHandler(SongUsedProcessor processor, StorageNames names, QueueProcessingLag lag, StorageRepair repair, TimeProvider timeProvider) : IQueueHandler
{
    /// <inheritdoc />
    public string QueueName => names.SongUsedQueue;

    /// <inheritdoc />
    public Task HandleAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        lag.Record(QueueName, message.InsertedOn);
        var enqueuedAt = message.InsertedOn ?? timeProvider.GetUtcNow();

        // A table, queue or container deleted under the app: processing is safe to repeat, so it waits
        // for the re-creation and goes again, rather than spend one of the message's deliveries
        // (maxDequeueCount of them in a row would send good events to the poison queue).
        return repair.RetryAfterRepairAsync(ct => processor.ProcessAsync(message.MessageId, enqueuedAt, message.Body, ct), cancellationToken);
    }
}
