using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Resso.Shared.Catalog;
using Resso.Shared.Events;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>A catalog entry as stored: the details, or a placeholder for a song first seen in an event.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Details">Title, artist, label, duration, regions; null for a placeholder.</param>
/// <param name="TopSegment">The part of the song videos use most (from the hourly roll-up of song statistics), if known.</param>
/// <param name="Neighbours">Songs used by the same users, best first (from the hourly roll-up), as <c>songId</c> and score.</param>
public sealed record CatalogEntry(string SongId, SongDetails? Details, Segment? TopSegment = null, IReadOnlyList<KeyValuePair<string, double>>? Neighbours = null)
{
    /// <summary>The song was first seen in an event and has no details yet.</summary>
    public bool IsPlaceholder => Details is null;
}

/// <summary>A change to the catalog, as <see cref="SongCatalog.ReadChangesAsync"/> reads it.</summary>
/// <param name="ChangedAt">When, by the clock of the instance that made it.</param>
/// <param name="SongId">The song; null when the whole catalog changed (a roll-up rewrote every song's segment and neighbours).</param>
/// <param name="Placeholder">The song was only seen in events: it has an entry now, perhaps without details.</param>
/// <param name="Instance">The instance that made a whole-catalog change (<see cref="SongCatalog.MarkAllChangedAsync"/>), so that it can skip its own.</param>
public sealed record CatalogChange(DateTimeOffset ChangedAt, string? SongId, bool Placeholder = false, string? Instance = null);

/// <summary>
/// The song catalog (partition <see cref="TableKeys.CatalogPartition"/>, row = song id). Events about
/// an unknown song leave a placeholder, so that the catalog lists every song in use; an entry
/// without a title is a placeholder, and a later upsert fills it in.
/// </summary>
public sealed class SongCatalog(TableServiceClient tables, StorageNames names, TimeProvider timeProvider)
{
    // Songs known to exist, so that popular songs cost no request per message. Bounded: cleared when full.
    private const int KnownCapacity = 200_000;
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private const string WholeCatalog = "*";

    private readonly TableClient _table = tables.GetTableClient(names.SongsTable);
    private readonly TableClient _changes = tables.GetTableClient(names.SongChangesTable);

    /// <summary>Makes sure each song has an entry, creating placeholders for unknown ones.</summary>
    public async Task EnsureKnownAsync(IEnumerable<string> songIds, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();

        // A merge creates a missing entry and leaves an existing one's details alone: idempotent and batchable.
        var batches = songIds.Distinct(StringComparer.Ordinal).Where(id => !_known.ContainsKey(id))
            .GroupBy(TableKeys.CatalogPartition)
            .SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions))
            .ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
        {
            await _table.SubmitTransactionAsync(
                batch.Select(id => new TableTransactionAction(
                    TableTransactionActionType.UpsertMerge,
                    new TableEntity(TableKeys.CatalogPartition(id), id) { ["LastSeenInEventAt"] = now })),
                ct);
            await RecordChangesAsync(batch, now, placeholder: true, ct);
            foreach (var id in batch)
            {
                Remember(id);
            }
        });
    }

    /// <summary>Creates or replaces a song's details; a placeholder becomes a real entry.</summary>
    /// <returns>True when the song was new or a placeholder.</returns>
    public async Task<bool> UpsertAsync(string songId, SongDetails details, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(songId, cancellationToken);
        await _table.UpsertEntityAsync(
            new TableEntity(TableKeys.CatalogPartition(songId), songId)
            {
                ["Title"] = details.Title,
                ["Artist"] = details.Artist,
                ["Label"] = details.Label,
                ["DurationMs"] = details.DurationMs,
                ["Regions"] = string.Join(',', details.Regions),
                ["UpdatedAt"] = timeProvider.GetUtcNow(),
            },
            TableUpdateMode.Merge,
            cancellationToken);
        await RecordChangesAsync([songId], timeProvider.GetUtcNow(), placeholder: false, cancellationToken);
        Remember(songId);
        return existing is null or { IsPlaceholder: true };
    }

    /// <summary>Records that the whole catalog changed (after a roll-up), so that every instance reads it again.</summary>
    /// <param name="instance">The instance that changed it, which need not read its own change.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    public async Task MarkAllChangedAsync(string instance, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        await _changes.UpsertEntityAsync(new TableEntity(ChangePartition(now), ChangeRow(now, WholeCatalog)) { ["Instance"] = instance }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>
    /// Changes recorded at or after <paramref name="since"/> (by the clock of the instance that made
    /// them), oldest first within each hour: one query per hour from <paramref name="since"/> to the
    /// next hour after now.
    /// </summary>
    public async IAsyncEnumerable<CatalogChange> ReadChangesAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var end = timeProvider.GetUtcNow().AddHours(1);
        var from = ChangeRow(since, "");
        for (var hour = since.UtcDateTime.Date.AddHours(since.UtcDateTime.Hour); hour < end; hour = hour.AddHours(1))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ChangePartition(hour)} and RowKey ge {from}");
            await foreach (var row in _changes.QueryAsync<TableEntity>(filter, select: ["RowKey", "Placeholder", "Instance"], cancellationToken: cancellationToken))
            {
                var separator = row.RowKey.IndexOf('|', StringComparison.Ordinal);
                if (separator > 0 && long.TryParse(row.RowKey.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks)
                {
                    var song = row.RowKey[(separator + 1)..];
                    yield return new CatalogChange(
                        new DateTimeOffset(ticks, TimeSpan.Zero),
                        song == WholeCatalog ? null : song,
                        row.GetBoolean("Placeholder") == true,
                        row.GetString("Instance"));
                }
            }
        }
    }

    /// <summary>Deletes the change rows of hours before <paramref name="cutoff"/>: they only carry a change to other instances' snapshots.</summary>
    /// <returns>How many rows were deleted.</returns>
    public async Task<int> DeleteChangesBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {ChangePartition(cutoff)}");
        var deleted = 0;
        await foreach (var page in _changes.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            deleted += await TableBatches.DeleteAsync(_changes, page.Values, cancellationToken);
        }

        return deleted;
    }

    /// <summary>The song's entry, or null if the catalog has never heard of it.</summary>
    public async Task<CatalogEntry?> GetAsync(string songId, CancellationToken cancellationToken = default)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(TableKeys.CatalogPartition(songId), songId, cancellationToken: cancellationToken);
        return response.HasValue ? ToEntry(response.Value!) : null;
    }

    /// <summary>Songs that may be played only in some regions (a scan of the catalog), for region filters.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadRegionRestrictionsAsync(CancellationToken cancellationToken = default)
    {
        var restricted = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        await foreach (var row in _table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"Regions gt {""}"), select: ["RowKey", "Regions"], cancellationToken: cancellationToken))
        {
            restricted[row.RowKey] = (row.GetString("Regions") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        }

        return restricted;
    }

    /// <summary>Records each song's most used segment (batched merges; details are left alone).</summary>
    public async Task SetTopSegmentsAsync(IReadOnlyDictionary<string, Segment> segments, CancellationToken cancellationToken = default)
    {
        var batches = segments.GroupBy(s => TableKeys.CatalogPartition(s.Key)).SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
            await _table.SubmitTransactionAsync(
                batch.Select(s => new TableTransactionAction(
                    TableTransactionActionType.UpsertMerge,
                    new TableEntity(TableKeys.CatalogPartition(s.Key), s.Key) { ["TopStartMs"] = s.Value.StartMs, ["TopEndMs"] = s.Value.EndMs })),
                ct));
    }

    /// <summary>Records each song's co-occurrence neighbours (batched merges; details are left alone).</summary>
    public async Task SetNeighboursAsync(IReadOnlyDictionary<string, IReadOnlyList<KeyValuePair<string, double>>> neighbours, CancellationToken cancellationToken = default)
    {
        var batches = neighbours.GroupBy(s => TableKeys.CatalogPartition(s.Key)).SelectMany(p => p.Chunk(InteractionStore.MaxTransactionActions));
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (batch, ct) =>
            await _table.SubmitTransactionAsync(
                batch.Select(s => new TableTransactionAction(
                    TableTransactionActionType.UpsertMerge,
                    new TableEntity(TableKeys.CatalogPartition(s.Key), s.Key)
                    {
                        ["Neighbours"] = string.Join(';', s.Value.Select(n => string.Create(CultureInfo.InvariantCulture, $"{n.Key}={n.Value:0.####}"))),
                    })),
                ct));
    }

    /// <summary>
    /// The entries of many songs at once (for the songs of one answer): parallel point reads, at most
    /// <paramref name="parallelism"/> at a time. Songs the catalog has never heard of are left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CatalogEntry>> GetManyAsync(IEnumerable<string> songIds, int parallelism = 16, CancellationToken cancellationToken = default)
    {
        var found = new ConcurrentDictionary<string, CatalogEntry>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(songIds.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (songId, ct) =>
        {
            if (await GetAsync(songId, ct) is { } entry)
            {
                found[songId] = entry;
            }
        });
        return found;
    }

    /// <summary>
    /// Every song's details without its segment and neighbours (a scan of the 16 partitions reading
    /// only the columns a compact catalog needs): null details for a placeholder; duration 0.
    /// </summary>
    public async IAsyncEnumerable<(string SongId, SongDetails? Details)> ReadDetailsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(maxPerPage: 1000, select: ["RowKey", "Title", "Artist", "Label", "Regions"], cancellationToken: cancellationToken))
        {
            yield return (row.RowKey, row.GetString("Title") is not { } title
                ? null
                : new SongDetails(title, row.GetString("Artist") ?? "", row.GetString("Label") ?? "", 0, (row.GetString("Regions") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)));
        }
    }

    /// <summary>Every catalog entry (a scan of the 16 partitions).</summary>
    public async IAsyncEnumerable<CatalogEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var row in _table.QueryAsync<TableEntity>(cancellationToken: cancellationToken))
        {
            yield return ToEntry(row);
        }
    }

    private static string ChangePartition(DateTimeOffset at) => string.Create(CultureInfo.InvariantCulture, $"{at.UtcDateTime:yyyyMMddHH}");

    private static string ChangeRow(DateTimeOffset at, string songId) => string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks:D19}|{songId}");

    // One row per song, all in the hour's partition: a transaction per hundred songs.
    private async Task RecordChangesAsync(IEnumerable<string> songIds, DateTimeOffset at, bool placeholder, CancellationToken cancellationToken)
    {
        foreach (var batch in songIds.Chunk(InteractionStore.MaxTransactionActions))
        {
            await _changes.SubmitTransactionAsync(
                batch.Select(id => new TableTransactionAction(
                    TableTransactionActionType.UpsertReplace,
                    new TableEntity(ChangePartition(at), ChangeRow(at, id)) { ["Placeholder"] = placeholder })),
                cancellationToken);
        }
    }

    private static List<KeyValuePair<string, double>>? NeighboursOf(TableEntity e) =>
        e.GetString("Neighbours") is { Length: > 0 } text
            ? [.. text.Split(';').Select(p => p.Split('=')).Where(p => p.Length == 2 && double.TryParse(p[1], NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                .Select(p => new KeyValuePair<string, double>(p[0], double.Parse(p[1], CultureInfo.InvariantCulture)))]
            : null;

    private static CatalogEntry ToEntry(TableEntity e)
    {
        var top = e.GetInt32("TopStartMs") is { } start && e.GetInt32("TopEndMs") is { } end ? new Segment(start, end) : null;
        return e.GetString("Title") is not { } title
            ? new CatalogEntry(e.RowKey, null, top, NeighboursOf(e))
            : new CatalogEntry(
                e.RowKey,
                new SongDetails(
                    title,
                    e.GetString("Artist") ?? "",
                    e.GetString("Label") ?? "",
                    e.GetInt32("DurationMs") ?? 0,
                    (e.GetString("Regions") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)),
                top,
                NeighboursOf(e));
    }

    private void Remember(string songId)
    {
        if (_known.Count >= KnownCapacity)
        {
            _known.Clear();
        }

        _known.TryAdd(songId, 0);
    }
}
