using Azure.Storage.Queues;
using Resso.Shared.Events;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;

namespace Resso.Shared.Ingestion;

/// <summary>Enqueues validated events to <c>song-used</c>, compressed and packed into as few messages as fit.</summary>
public sealed class EventQueue(QueueServiceClient queues, StorageNames names, RessoMetrics metrics)
{
    private readonly QueueClient _queue = queues.GetQueueClient(names.SongUsedQueue);

    /// <summary>Sends <paramref name="events"/>; returns how many messages it took. All or nothing from the caller's view: on failure, retrying the whole call is safe.</summary>
    public async Task<int> EnqueueAsync(IReadOnlyList<SongUsedEvent> events, CancellationToken cancellationToken = default)
    {
        var messages = EventPacker.PackCompressed(events).ToList();
        await Task.WhenAll(messages.Select(m => _queue.SendMessageAsync(m, cancellationToken: cancellationToken)));
        metrics.EventsAccepted.Add(events.Count);
        return messages.Count;
    }
}
