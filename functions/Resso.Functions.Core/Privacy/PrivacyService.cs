using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Model;
using Resso.Functions.Core.Offers;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Privacy;

/// <summary>What an erasure did.</summary>
/// <param name="ErasedAt">When it began (the marker's time).</param>
/// <param name="MarkerExpiresAt">Until when the user's events are dropped on arrival.</param>
/// <param name="Deleted">Rows, events, messages and blobs deleted, per store (table, container or queue name without the prefix).</param>
/// <param name="Pseudonymized">Rows kept for reports without the user (clicks, claims) or with a pseudonym (conversions), per table.</param>
/// <param name="ModelVersions">Stored model versions whose factors held the user and no longer do.</param>
/// <param name="RetrainRequested">A retrain was queued, so that the next model learns nothing from the user.</param>
public sealed record ErasureReport(
    DateTimeOffset ErasedAt,
    DateTimeOffset MarkerExpiresAt,
    IReadOnlyDictionary<string, int> Deleted,
    IReadOnlyDictionary<string, int> Pseudonymized,
    IReadOnlyList<string> ModelVersions,
    bool RetrainRequested);

/// <summary>
/// One listener's data: everything held about them as one JSON document (<see cref="WriteExportAsync"/>),
/// and its erasure (<see cref="EraseAsync"/>). docs/privacy.md says what each store holds and what
/// erasure does to it.
/// </summary>
public sealed class PrivacyService(
    InteractionStore interactions,
    EventLog eventLog,
    UserVectors vectors,
    ModelHolder holder,
    ModelStore models,
    AttributionStore attribution,
    PoisonErasure poison,
    ErasureMarkers erasures,
    OfferService offers,
    ListenerService listeners,
    QueueServiceClient queues,
    StorageNames names,
    IOptions<IngestionOptions> ingestion,
    TimeProvider timeProvider,
    ILogger<PrivacyService> logger)
{
    /// <summary>The export's format name, first in the document.</summary>
    public const string ExportFormat = "resso-user-export/1";

    // Stores are named in reports without the deployment's prefix.
    private static readonly StorageNames Unprefixed = new();

    // Rows whose keys the export leaves out: they say where a row is, not anything about the user.
    private static readonly HashSet<string> KeyProperties = new(StringComparer.Ordinal) { "PartitionKey", "RowKey", "odata.etag" };

    /// <summary>How long the second sweep of an erasure waits: until every instance's event processor holds the marker.</summary>
    public TimeSpan Settle => erasures.FreshFor + TimeSpan.FromSeconds(2);

    /// <summary>
    /// Writes everything held about <paramref name="userId"/> to <paramref name="output"/> as one JSON
    /// document, row by row and blob by blob: memory holds one page of rows, one event-log blob, the
    /// per-song summary and the ids of the queue messages that counted the user's events.
    /// </summary>
    public async Task WriteExportAsync(string userId, Stream output, CancellationToken cancellationToken = default)
    {
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        json.WriteStartObject();
        json.WriteString("format", ExportFormat);
        json.WriteString("userId", userId);
        json.WriteString("exportedAt", timeProvider.GetUtcNow());

        json.WritePropertyName("subscription");
        WriteRow(json, await attribution.GetSubscriptionRowAsync(userId, cancellationToken));

        json.WritePropertyName("foldIn");
        if (await vectors.GetAsync(userId, cancellationToken) is { } vector)
        {
            json.WriteStartObject();
            json.WriteString("modelVersion", vector.ModelVersion);
            WriteFloats(json, "vector", vector.Vector);
            json.WriteNumber("bias", vector.Bias);
            json.WriteNumber("events", vector.Events);
            json.WriteString("computedAt", vector.ComputedAt);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }

        json.WritePropertyName("model");
        if (holder.Current is { } model && model.Factors.Users.TryGetIndex(userId, out var user))
        {
            json.WriteStartObject();
            json.WriteString("version", model.Version);
            WriteFloats(json, "vector", model.Factors.UserVector(user));
            json.WriteNumber("bias", model.Factors.UserBiases[user]);
            json.WriteEndObject();
        }
        else
        {
            json.WriteNullValue();
        }

        // Counted events, one row each, with a running summary per song and the messages that counted them.
        var songs = new Dictionary<string, SongSummary>(StringComparer.Ordinal);
        var messages = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        json.WriteStartArray("events");
        var written = 0;
        await foreach (var counted in interactions.ReadUserRowsAsync(userId, cancellationToken))
        {
            var e = counted.Event;
            json.WriteStartObject();
            WriteEventFields(json, e);
            json.WriteString("countedAt", counted.CountedAt);
            json.WriteEndObject();
            ref var summary = ref CollectionsMarshal.GetValueRefOrAddDefault(songs, e.SongId, out _);
            summary = summary.Add(e, ingestion.Value.Weights.Of(e.Action));
            if (counted.MessageId.Length > 0)
            {
                messages.TryAdd(counted.MessageId, counted.CountedAt);
            }

            if (++written % 500 == 0)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("interactions");
        foreach (var (songId, summary) in songs.OrderByDescending(s => s.Value.Weight))
        {
            json.WriteStartObject();
            json.WriteString("songId", songId);
            json.WriteNumber("events", summary.Events);
            json.WriteNumber("weight", summary.Weight);
            json.WriteString("firstAt", summary.First);
            json.WriteString("lastAt", summary.Last);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);

        // The raw event log, blob by blob: what training's input was written from.
        json.WriteStartArray("eventLog");
        foreach (var (messageId, countedAt) in messages)
        {
            if (await eventLog.FindAsync(messageId, countedAt, cancellationToken) is not { } blob)
            {
                continue;
            }

            var logged = await eventLog.ReadUserEventsAsync(blob, userId, cancellationToken);
            if (logged.Count == 0)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("blob", blob);
            json.WriteStartArray("events");
            foreach (var e in logged)
            {
                json.WriteStartObject();
                WriteEventFields(json, e);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            await json.FlushAsync(cancellationToken);
        }

        json.WriteEndArray();
        await WriteRowsAsync(json, "clicks", attribution.ReadUserClicksAsync(userId, cancellationToken), cancellationToken);
        await WriteRowsAsync(json, "claims", attribution.ReadUserClaimsAsync(userId, cancellationToken), cancellationToken);
        await WriteRowsAsync(json, "conversions", attribution.ReadUserConversionsAsync(userId, cancellationToken), cancellationToken);
        json.WriteEndObject();
        await json.FlushAsync(cancellationToken);
    }

    /// <summary>
    /// Erases <paramref name="userId"/>, safe to repeat: writes the erasure marker (events in flight or
    /// sent later are dropped), forgets the user in this instance's caches, sweeps every store, waits
    /// <see cref="Settle"/> (every instance holds the marker by then) and sweeps again for anything an
    /// instance counted or folded in meanwhile; then removes the user from every stored model version
    /// and queues a retrain.
    /// </summary>
    public async Task<ErasureReport> EraseAsync(string userId, CancellationToken cancellationToken = default)
    {
        var erasedAt = timeProvider.GetUtcNow();
        var expiresAt = await erasures.MarkAsync(userId, cancellationToken);
        Forget(userId);

        // One pseudonym per erasure: the user's conversions stay one subscriber in reports.
        var pseudonym = "erased:" + RandomNumberGenerator.GetHexString(24, lowercase: true);
        var deleted = new Dictionary<string, int>(StringComparer.Ordinal);
        var pseudonymized = new Dictionary<string, int>(StringComparer.Ordinal);
        await SweepAsync(userId, pseudonym, deleted, pseudonymized, cancellationToken);
        await Task.Delay(Settle, timeProvider, cancellationToken);
        await SweepAsync(userId, pseudonym, deleted, pseudonymized, cancellationToken);
        Forget(userId);

        var versions = await models.RemoveUserAsync(userId, cancellationToken);
        var retrain = BinaryData.FromObjectAsJson(new RetrainRequest("erasure", timeProvider.GetUtcNow()), JsonSerializerOptions.Web);
        await queues.GetQueueClient(names.ModelRetrainQueue).SendMessageAsync(retrain, cancellationToken: cancellationToken);
        Log.UserErased(logger, deleted.Values.Sum(), pseudonymized.Values.Sum(), versions.Count);
        return new ErasureReport(erasedAt, expiresAt, deleted, pseudonymized, versions, RetrainRequested: true);
    }

    private async Task SweepAsync(string userId, string pseudonym, Dictionary<string, int> deleted, Dictionary<string, int> pseudonymized, CancellationToken cancellationToken)
    {
        // The event log first: its blobs are found through the rows, which go next.
        var messages = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await foreach (var counted in interactions.ReadUserRowsAsync(userId, cancellationToken))
        {
            if (counted.MessageId.Length > 0)
            {
                messages.TryAdd(counted.MessageId, counted.CountedAt);
            }
        }

        var logged = 0;
        foreach (var (messageId, countedAt) in messages)
        {
            if (await eventLog.FindAsync(messageId, countedAt, cancellationToken) is { } blob)
            {
                logged += await eventLog.RemoveUserAsync(blob, userId, cancellationToken);
            }
        }

        Add(deleted, Unprefixed.EventLogContainer, logged);
        Add(deleted, Unprefixed.InteractionsTable, await interactions.DeleteUserAsync(userId, cancellationToken));
        Add(deleted, Unprefixed.UserFactorsTable, await vectors.DeleteAsync(userId, cancellationToken) ? 1 : 0);
        var a = await attribution.EraseUserAsync(userId, pseudonym, cancellationToken);
        Add(deleted, Unprefixed.ClicksTable, a.ClickIndexRows);
        Add(deleted, Unprefixed.SubscriptionsTable, a.SubscriptionRows);
        Add(pseudonymized, Unprefixed.ClicksTable, a.Clicks);
        Add(pseudonymized, Unprefixed.ClaimsTable, a.Claims);
        Add(pseudonymized, Unprefixed.ConversionsTable, a.Conversions);
        Add(deleted, "poison", await poison.EraseUserAsync(userId, cancellationToken));
    }

    // This instance's cached subscription state and answers; other instances find the marker within seconds.
    private void Forget(string userId)
    {
        offers.ForgetSubscription(userId);
        listeners.OnEventsCounted([userId]);
    }

    private static void Add(Dictionary<string, int> counts, string store, int count) =>
        counts[store] = counts.GetValueOrDefault(store) + count;

    private static void WriteEventFields(Utf8JsonWriter json, SongUsedEvent e)
    {
        using var document = JsonSerializer.SerializeToDocument(e, EventJsonContext.Default.SongUsedEvent);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            property.WriteTo(json);
        }
    }

    private static void WriteFloats(Utf8JsonWriter json, string name, ReadOnlySpan<float> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static async Task WriteRowsAsync(Utf8JsonWriter json, string name, IAsyncEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        json.WriteStartArray(name);
        var written = 0;
        await foreach (var row in rows.WithCancellation(cancellationToken))
        {
            WriteRow(json, row);
            if (++written % 500 == 0)
            {
                await json.FlushAsync(cancellationToken);
            }
        }

        json.WriteEndArray();
        await json.FlushAsync(cancellationToken);
    }

    // Every property of a row but its keys, by name, as JSON.
    private static void WriteRow(Utf8JsonWriter json, TableEntity? row)
    {
        if (row is null)
        {
            json.WriteNullValue();
            return;
        }

        json.WriteStartObject();
        foreach (var (key, value) in row.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (KeyProperties.Contains(key))
            {
                continue;
            }

            var property = char.ToLowerInvariant(key[0]) + key[1..];
            switch (value)
            {
                case null:
                    json.WriteNull(property);
                    break;
                case string s:
                    json.WriteString(property, s);
                    break;
                case bool b:
                    json.WriteBoolean(property, b);
                    break;
                case int i:
                    json.WriteNumber(property, i);
                    break;
                case long l:
                    json.WriteNumber(property, l);
                    break;
                case double d:
                    json.WriteNumber(property, d);
                    break;
                case DateTimeOffset t:
                    json.WriteString(property, t);
                    break;
                case DateTime t:
                    json.WriteString(property, new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero));
                    break;
                case byte[] bytes:
                    json.WriteBase64String(property, bytes);
                    break;
                case BinaryData data:
                    json.WriteBase64String(property, data.ToMemory().Span);
                    break;
                default:
                    json.WriteString(property, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                    break;
            }
        }

        json.WriteEndObject();
    }

    private readonly record struct SongSummary(int Events, double Weight, DateTimeOffset First, DateTimeOffset Last)
    {
        public SongSummary Add(SongUsedEvent e, double weight) => Events == 0
            ? new(1, weight, e.OccurredAt, e.OccurredAt)
            : new(Events + 1, Weight + weight, e.OccurredAt < First ? e.OccurredAt : First, e.OccurredAt > Last ? e.OccurredAt : Last);
    }
}
