using Azure.Storage.Queues.Models;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Events;

/// <summary>The <c>song-used</c> queue function: processes one message of events.</summary>
public sealed class SongUsedHandler(SongUsedProcessor processor, StorageNames names, QueueProcessingLag lag, TimeProvider timeProvider) : IQueueHandler
{
    /// <inheritdoc />
    public string QueueName => names.SongUsedQueue;

    /// <inheritdoc />
    public Task HandleAsync(QueueMessage message, CancellationToken cancellationToken = default)
    {
        lag.Record(QueueName, message.InsertedOn);
        return processor.ProcessAsync(message.MessageId, message.InsertedOn ?? timeProvider.GetUtcNow(), message.Body, cancellationToken);
    }
}
