using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// The append-only log of counted events that retraining reads: one JSON-lines blob per queue
/// message, <c>yyyy/MM/dd/HH/{messageId}.jsonl</c> by the message's enqueue time. A redelivered
/// message rewrites its blob with the same events, so every counted event is in the log exactly once.
/// Nothing appends to a blob: the only writers of a blob are deliveries of its one message (same
/// events) and, for erasure, <see cref="RemoveUserAsync"/>, which rewrites it only if it is unchanged
/// since read (If-Match) and reads again otherwise.
/// </summary>
public sealed class EventLog(BlobServiceClient blobs, StorageNames names)
{
    // A queue message lives 7 days at most (the storage default, which the app keeps).
    private const int MaxQueueDays = 7;

    private readonly BlobContainerClient _container = blobs.GetBlobContainerClient(names.EventLogContainer);

    /// <summary>Writes the events <paramref name="messageId"/> counted.</summary>
    public async Task WriteAsync(string messageId, DateTimeOffset enqueuedAt, IReadOnlyList<SongUsedEvent> counted, CancellationToken cancellationToken = default)
    {
        if (counted.Count == 0)
        {
            return;
        }

        using var body = new MemoryStream();
        foreach (var e in counted)
        {
            JsonSerializer.Serialize(body, e, EventJsonContext.Default.SongUsedEvent);
            body.WriteByte((byte)'\n');
        }

        body.Position = 0;
        var name = BlobName(messageId, enqueuedAt);
        await _container.GetBlobClient(name).UploadAsync(
            body,
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" } },
            cancellationToken);
    }

    /// <summary>Every logged event, blob by blob in name (time) order, optionally only blobs at or after <paramref name="since"/>.</summary>
    public async IAsyncEnumerable<SongUsedEvent> ReadAsync(DateTimeOffset? since = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var from = since is { } s ? string.Create(CultureInfo.InvariantCulture, $"{s.UtcDateTime:yyyy/MM/dd/HH}") : null;
        await foreach (var item in _container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (from is not null && string.CompareOrdinal(item.Name, from) < 0)
            {
                continue;
            }

            var content = await _container.GetBlobClient(item.Name).DownloadContentAsync(cancellationToken);
            foreach (var line in content.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                yield return JsonSerializer.Deserialize(line, EventJsonContext.Default.SongUsedEvent)!;
            }
        }
    }

    /// <summary>The blob of the message <paramref name="messageId"/> enqueued at <paramref name="enqueuedAt"/>.</summary>
    public static string BlobName(string messageId, DateTimeOffset enqueuedAt) =>
        string.Create(CultureInfo.InvariantCulture, $"{enqueuedAt.UtcDateTime:yyyy/MM/dd/HH}/{messageId}.jsonl");

    /// <summary>
    /// The blob of <paramref name="messageId"/>, whose events were counted at <paramref name="countedAt"/>
    /// (the message was enqueued in that hour or shortly before): the three hours up to it are tried,
    /// then the names of the days a message can wait in the queue; null when there is none.
    /// </summary>
    public async Task<string?> FindAsync(string messageId, DateTimeOffset countedAt, CancellationToken cancellationToken = default)
    {
        for (var back = 0; back < 3; back++)
        {
            var name = BlobName(messageId, countedAt.AddHours(-back));
            if ((await _container.GetBlobClient(name).ExistsAsync(cancellationToken)).Value)
            {
                return name;
            }
        }

        // Waited in the queue for hours: look through the names (not the content) of the days a message can wait.
        var suffix = "/" + messageId + ".jsonl";
        for (var day = countedAt.UtcDateTime.Date; day >= countedAt.UtcDateTime.Date.AddDays(-MaxQueueDays); day = day.AddDays(-1))
        {
            var prefix = string.Create(CultureInfo.InvariantCulture, $"{day:yyyy/MM/dd}/");
            await foreach (var item in _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
            {
                if (item.Name.EndsWith(suffix, StringComparison.Ordinal))
                {
                    return item.Name;
                }
            }
        }

        return null;
    }

    /// <summary>The events of <paramref name="userId"/> in blob <paramref name="name"/> (none when it is gone).</summary>
    public async Task<IReadOnlyList<SongUsedEvent>> ReadUserEventsAsync(string name, string userId, CancellationToken cancellationToken = default)
    {
        var (events, _) = await ReadBlobAsync(name, cancellationToken);
        return [.. events.Where(e => string.Equals(e.UserId, userId, StringComparison.Ordinal))];
    }

    /// <summary>
    /// Rewrites blob <paramref name="name"/> without the events of <paramref name="userId"/>, or deletes
    /// it when nothing else is left; returns how many events were removed. Conditional on the blob being
    /// as it was read, and read again when it is not, so that a concurrent rewrite (a redelivery of the
    /// blob's message) is never overwritten with older content.
    /// </summary>
    public async Task<int> RemoveUserAsync(string name, string userId, CancellationToken cancellationToken = default)
    {
        var blob = _container.GetBlobClient(name);
        for (var attempt = 1; ; attempt++)
        {
            var (events, etag) = await ReadBlobAsync(name, cancellationToken);
            var kept = events.Where(e => !string.Equals(e.UserId, userId, StringComparison.Ordinal)).ToList();
            var removed = events.Count - kept.Count;
            if (etag is null || removed == 0)
            {
                return 0;
            }

            var conditions = new BlobRequestConditions { IfMatch = etag };
            try
            {
                if (kept.Count == 0)
                {
                    await blob.DeleteAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions, cancellationToken);
                }
                else
                {
                    using var body = new MemoryStream();
                    foreach (var e in kept)
                    {
                        JsonSerializer.Serialize(body, e, EventJsonContext.Default.SongUsedEvent);
                        body.WriteByte((byte)'\n');
                    }

                    body.Position = 0;
                    await blob.UploadAsync(
                        body,
                        new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/x-ndjson" }, Conditions = conditions },
                        cancellationToken);
                }

                return removed;
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404 && attempt < 5)
            {
                // Rewritten or deleted since read: read again.
            }
        }
    }

    /// <summary>
    /// Deletes the blobs of hours before <paramref name="cutoff"/>'s hour; returns how many. Names sort
    /// by hour, so the listing stops at the first blob of a later hour.
    /// </summary>
    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var keepFrom = string.Create(CultureInfo.InvariantCulture, $"{cutoff.UtcDateTime:yyyy/MM/dd/HH}");
        var deleted = 0;
        await foreach (var item in _container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (string.CompareOrdinal(item.Name, keepFrom) >= 0)
            {
                break;
            }

            var response = await _container.DeleteBlobIfExistsAsync(item.Name, DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken);
            deleted += response.Value ? 1 : 0;
        }

        return deleted;
    }

    // The blob's events and ETag; none and null when it does not exist.
    private async Task<(List<SongUsedEvent> Events, ETag? ETag)> ReadBlobAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            var content = await _container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            var events = content.Value.Content.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(line => JsonSerializer.Deserialize(line, EventJsonContext.Default.SongUsedEvent)!)
                .ToList();
            return (events, content.Value.Details.ETag);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return ([], null);
        }
    }
}
