using Azure.Storage.Queues;
using Resso.Shared.Events;
using Resso.Shared.Storage;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Sending;

/// <summary>
/// Enqueues events straight onto the <c>song-used</c> queue, packed by <see cref="EventPacker"/> and
/// encoded with the app's queue options (base64), as <c>POST /api/events</c> would after validating them.
/// The storage SDK retries transport faults itself.
/// </summary>
public sealed class QueueEventTarget(QueueClient queue) : IEventTarget
{
    /// <summary>The queue events go to.</summary>
    public QueueClient Queue => queue;

    /// <inheritdoc />
    public string Description => "queue " + queue.Name + " at " + queue.Uri.GetLeftPart(UriPartial.Authority);

    /// <inheritdoc />
    public int MaxConcurrency => int.MaxValue;

    /// <summary>The target for the <c>song-used</c> queue (with <paramref name="prefix"/>) of the account in <paramref name="connectionString"/>.</summary>
    /// <exception cref="Shared.Configuration.RessoConfigurationException">The connection string is malformed.</exception>
    public static QueueEventTarget Create(string connectionString, string prefix = "")
    {
        var service = StorageConnection.FromConnectionString(connectionString)
            .CreateQueueServiceClient(StorageErrors.WithShortRetry(StorageServiceCollectionExtensions.ConfigureQueues(new QueueClientOptions())));
        return new QueueEventTarget(service.GetQueueClient(new StorageNames(prefix).SongUsedQueue));
    }

    /// <summary>Creates the queue if the app has not yet.</summary>
    public async Task EnsureQueueExistsAsync(CancellationToken cancellationToken = default) =>
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    /// <inheritdoc />
    public async Task<BatchResult> SendAsync(IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default)
    {
        var messages = 0;
        try
        {
            foreach (var message in EventPacker.Pack(events))
            {
                await queue.SendMessageAsync(message, cancellationToken: cancellationToken);
                messages++;
            }

            return new BatchResult(events.Count, messages, 0, null, null);
        }
        catch (Exception ex) when (StorageErrors.Describe(ex) is { } problem)
        {
            // Messages sent before the failure stay queued; the processor counts their events once
            // even if the batch is sent again.
            return new BatchResult(events.Count, messages, 0, null, $"queue {queue.Name}: {problem}");
        }
    }
}
