using System.Diagnostics;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Resso.Shared.Events;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;
using Resso.Shared.Telemetry;

namespace Resso.Shared.Ingestion;

/// <summary>What processing one message did.</summary>
/// <param name="Valid">Valid events in the message.</param>
/// <param name="Counted">Events this message counted (now or in an earlier delivery).</param>
/// <param name="Rejected">Invalid events sent to the poison queue.</param>
public sealed record ProcessingResult(int Valid, int Counted, int Rejected)
{
    /// <summary>Valid events that another message had already counted.</summary>
    public int Duplicates => Valid - Counted;
}

/// <summary>
/// Processes one <c>song-used</c> message (one event or <c>{"events":[…]}</c>, from the HTTP API or
/// enqueued directly by the short-video app). Validates again; invalid events go to the poison
/// queue with their reasons (<see cref="PoisonMessages"/>: exact bytes, in a blob if too large for a
/// message) while the valid ones are processed. Then, in this order, each step
/// safe to repeat: interactions and markers (exactly once per event, which also decides which
/// events this message owns), song statistics, the event log and catalog placeholders. Events of
/// erased users (<see cref="ErasureMarkers"/>) are dropped first. A failure
/// anywhere throws, the message is delivered again, and the repeat changes nothing already done.
/// </summary>
public sealed class SongUsedProcessor(
    EventParser parser,
    InteractionStore interactions,
    SongStatsStore stats,
    EventLog eventLog,
    SongCatalog catalog,
    QueueServiceClient queues,
    PoisonMessages poison,
    ErasureMarkers erasures,
    StorageNames names,
    RessoMetrics metrics,
    TimeProvider timeProvider,
    IEnumerable<IUserActivityObserver> observers,
    IEnumerable<IKnownSongs> knownSongs,
    ILogger<SongUsedProcessor> logger)
{
    private readonly QueueClient _poison = queues.GetQueueClient(names.SongUsedPoisonQueue);
    private readonly IKnownSongs[] _knownSongs = [.. knownSongs];

    /// <summary>Processes the message <paramref name="messageId"/>, enqueued at <paramref name="enqueuedAt"/>.</summary>
    public async Task<ProcessingResult> ProcessAsync(string messageId, DateTimeOffset enqueuedAt, BinaryData body, CancellationToken cancellationToken = default)
    {
        using var activity = RessoTelemetry.ActivitySource.StartActivity("process song-used", ActivityKind.Consumer);
        activity?.SetTag("messaging.system", "azure_queue");
        activity?.SetTag("messaging.destination.name", names.SongUsedQueue);
        activity?.SetTag("messaging.message.id", messageId);
        ParsedEvents parsed;
        try
        {
            using var document = EventParser.ParseDocument(EventPacker.Unpack(body));
            parsed = parser.Parse(document.RootElement, out _);
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            await RejectMessageAsync(messageId, body, $"not valid JSON: {ex.Message}", null, cancellationToken);
            return new ProcessingResult(0, 0, 1);
        }

        if (parsed.PayloadErrors.Count > 0)
        {
            await RejectMessageAsync(messageId, body, "not an event or an events batch", parsed.PayloadErrors, cancellationToken);
            return new ProcessingResult(0, 0, 1);
        }

        foreach (var rejected in parsed.Rejected)
        {
            await RejectEventAsync(messageId, rejected, cancellationToken);
        }

        // Events of users erased within a queue message's life are dropped: they must not bring the user back.
        await erasures.EnsureFreshAsync(cancellationToken);
        var valid = parsed.Valid.Select(v => v.Event).Where(e => !erasures.IsErased(e.UserId)).ToList();
        var counted = await interactions.ApplyAsync(messageId, valid, cancellationToken);
        await Task.WhenAll(
            stats.WriteAsync(messageId, counted, cancellationToken),
            eventLog.WriteAsync(messageId, enqueuedAt, counted, cancellationToken),
            // Songs already in the catalog need no placeholder: at scale, re-merging them (and recording
            // each as a catalog change that every instance reads) costs more than the events themselves.
            catalog.EnsureKnownAsync(counted.Select(e => e.SongId).Where(song => !_knownSongs.Any(k => k.IsKnown(song))), cancellationToken));

        if (counted.Count > 0)
        {
            var users = counted.Select(e => e.UserId).ToHashSet(StringComparer.Ordinal);
            foreach (var observer in observers)
            {
                observer.OnEventsCounted(users);
            }
        }

        var result = new ProcessingResult(valid.Count, counted.Count, parsed.Rejected.Count);
        activity?.SetTag(RessoTelemetry.Tags.Events, result.Valid);
        activity?.SetTag(RessoTelemetry.Instruments.EventsCounted, result.Counted);
        metrics.EventsCounted.Add(result.Counted);
        metrics.EventsDuplicates.Add(result.Duplicates);
        metrics.EventsRejected.Add(result.Rejected);
        if (result.Counted > 0 && metrics.EventsLag.Enabled)
        {
            // One measurement per counted event, so the histogram's count is the events counted.
            var lag = Math.Max(0, (timeProvider.GetUtcNow() - enqueuedAt).TotalSeconds);
            for (var i = 0; i < result.Counted; i++)
            {
                metrics.EventsLag.Record(lag);
            }
        }
        Log.MessageProcessed(logger, messageId, result.Valid, result.Counted, result.Duplicates, result.Rejected);
        return result;
    }

    private Task RejectEventAsync(string messageId, RejectedEvent rejected, CancellationToken cancellationToken) =>
        poison.SendAsync(
            _poison,
            new PoisonEnvelope("invalid event", names.SongUsedQueue, messageId, BinaryData.FromString(rejected.Json)) { Index = rejected.Index, Errors = rejected.Errors },
            cancellationToken);

    private Task RejectMessageAsync(string messageId, BinaryData body, string reason, IReadOnlyDictionary<string, string[]>? errors, CancellationToken cancellationToken) =>
        poison.SendAsync(_poison, new PoisonEnvelope(reason, names.SongUsedQueue, messageId, body) { Errors = errors }, cancellationToken);
}
