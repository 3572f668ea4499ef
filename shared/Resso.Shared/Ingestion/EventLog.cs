using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// The append-only log of counted events that retraining reads: one JSON-lines blob per queue
/// message, <c>yyyy/MM/dd/HH/{messageId}.jsonl</c> by the message's enqueue time. A redelivered
/// message rewrites its blob with the same events, so every counted event is in the log exactly once.
/// </summary>
public sealed class EventLog(BlobServiceClient blobs, StorageNames names)
{
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
        var name = string.Create(CultureInfo.InvariantCulture, $"{enqueuedAt.UtcDateTime:yyyy/MM/dd/HH}/{messageId}.jsonl");
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
}
