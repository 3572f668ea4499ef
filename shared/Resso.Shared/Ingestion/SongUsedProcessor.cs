using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Resso.Shared.Events;
using Resso.Shared.Storage;

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
/// queue with their reasons while the valid ones are processed. Then, in this order, each step
/// safe to repeat: interactions and markers (exactly once per event, which also decides which
/// events this message owns), song statistics, the event log and catalog placeholders. A failure
/// anywhere throws, the message is delivered again, and the repeat changes nothing already done.
/// </summary>
public sealed class SongUsedProcessor(
    EventParser parser,
    InteractionStore interactions,
    SongStatsStore stats,
    EventLog eventLog,
    SongCatalog catalog,
    QueueServiceClient queues,
    StorageNames names,
    IngestionMetrics metrics,
    IEnumerable<IUserActivityObserver> observers,
    ILogger<SongUsedProcessor> logger)
{
    private readonly QueueClient _poison = queues.GetQueueClient(names.SongUsedPoisonQueue);

    /// <summary>Processes the message <paramref name="messageId"/>, enqueued at <paramref name="enqueuedAt"/>.</summary>
    public async Task<ProcessingResult> ProcessAsync(string messageId, DateTimeOffset enqueuedAt, BinaryData body, CancellationToken cancellationToken = default)
    {
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

        var valid = parsed.Valid.Select(v => v.Event).ToList();
        var counted = await interactions.ApplyAsync(messageId, valid, cancellationToken);
        await Task.WhenAll(
            stats.WriteAsync(messageId, counted, cancellationToken),
            eventLog.WriteAsync(messageId, enqueuedAt, counted, cancellationToken),
            catalog.EnsureKnownAsync(counted.Select(e => e.SongId), cancellationToken));

        if (counted.Count > 0)
        {
            var users = counted.Select(e => e.UserId).ToHashSet(StringComparer.Ordinal);
            foreach (var observer in observers)
            {
                observer.OnEventsCounted(users);
            }
        }

        var result = new ProcessingResult(valid.Count, counted.Count, parsed.Rejected.Count);
        metrics.Counted.Add(result.Counted);
        metrics.Duplicates.Add(result.Duplicates);
        metrics.Rejected.Add(result.Rejected);
        Log.MessageProcessed(logger, messageId, result.Valid, result.Counted, result.Duplicates, result.Rejected);
        return result;
    }

    private async Task RejectEventAsync(string messageId, RejectedEvent rejected, CancellationToken cancellationToken)
    {
        var reason = Poison(writer =>
        {
            writer.WriteString("reason", "invalid event");
            writer.WriteString("sourceMessageId", messageId);
            writer.WriteNumber("index", rejected.Index);
            WriteErrors(writer, rejected.Errors);
            writer.WritePropertyName("event");
            writer.WriteRawValue(rejected.Json, skipInputValidation: true);
        });
        await _poison.SendMessageAsync(reason, cancellationToken: cancellationToken);
        Log.EventRejected(logger, messageId, rejected.Index, _poison.Name, string.Join("; ", rejected.Errors.Select(e => $"{e.Key} {string.Join(' ', e.Value)}")));
    }

    private async Task RejectMessageAsync(string messageId, BinaryData body, string reason, IReadOnlyDictionary<string, string[]>? errors, CancellationToken cancellationToken)
    {
        var wrapped = Poison(writer =>
        {
            writer.WriteString("reason", reason);
            writer.WriteString("sourceMessageId", messageId);
            if (errors is not null)
            {
                WriteErrors(writer, errors);
            }

            writer.WriteString("message", Encoding.UTF8.GetString(body));
        });

        // The reason travels with the content when both fit in one message; otherwise the content, intact, wins.
        await _poison.SendMessageAsync(wrapped.ToMemory().Length <= EventPacker.MaxMessageBytes ? wrapped : body, cancellationToken: cancellationToken);
        Log.MessageRejected(logger, messageId, _poison.Name, reason);
    }

    private static void WriteErrors(Utf8JsonWriter writer, IReadOnlyDictionary<string, string[]> errors)
    {
        writer.WriteStartObject("errors");
        foreach (var (field, messages) in errors)
        {
            writer.WriteStartArray(field);
            foreach (var message in messages)
            {
                writer.WriteStringValue(message);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static BinaryData Poison(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            write(writer);
            writer.WriteEndObject();
        }

        return new BinaryData(stream.ToArray());
    }
}
