using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using Resso.Shared.Catalog;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>A catalog entry as stored: the details, or a flagged placeholder for a song first seen in an event.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Details">Title, artist, label, duration, regions; null for a placeholder.</param>
/// <param name="IsPlaceholder">The song was first seen in an event and has no details yet.</param>
public sealed record CatalogEntry(string SongId, SongDetails? Details, bool IsPlaceholder);

/// <summary>
/// The song catalog (one partition per song). Events about an unknown song create a placeholder,
/// flagged, so that the catalog lists every song in use; a later upsert fills it in.
/// </summary>
public sealed class SongCatalog(TableServiceClient tables, StorageNames names, TimeProvider timeProvider)
{
    // Songs known to exist, so that popular songs cost no request per message. Bounded: cleared when full.
    private const int KnownCapacity = 200_000;
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);
    private readonly TableClient _table = tables.GetTableClient(names.SongsTable);

    /// <summary>Creates a placeholder for each song that has no entry yet.</summary>
    public async Task EnsureKnownAsync(IEnumerable<string> songIds, CancellationToken cancellationToken = default)
    {
        var unknown = songIds.Distinct(StringComparer.Ordinal).Where(id => !_known.ContainsKey(id)).ToList();
        await Parallel.ForEachAsync(unknown, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (songId, ct) =>
        {
            try
            {
                await _table.AddEntityAsync(
                    new TableEntity(songId, TableKeys.CatalogRow) { ["Placeholder"] = true, ["FirstSeenAt"] = timeProvider.GetUtcNow() },
                    ct);
            }
            catch (RequestFailedException ex) when (ex.Status == 409)
            {
                // It exists: a placeholder or a real entry. Either way, nothing to do.
            }

            Remember(songId);
        });
    }

    /// <summary>Creates or replaces a song's details; a placeholder becomes a real entry.</summary>
    /// <returns>True when the song was new or a placeholder.</returns>
    public async Task<bool> UpsertAsync(string songId, SongDetails details, CancellationToken cancellationToken = default)
    {
        var existing = await GetAsync(songId, cancellationToken);
        await _table.UpsertEntityAsync(
            new TableEntity(songId, TableKeys.CatalogRow)
            {
                ["Placeholder"] = false,
                ["Title"] = details.Title,
                ["Artist"] = details.Artist,
                ["Label"] = details.Label,
                ["DurationMs"] = details.DurationMs,
                ["Regions"] = string.Join(',', details.Regions),
                ["UpdatedAt"] = timeProvider.GetUtcNow(),
            },
            TableUpdateMode.Replace,
            cancellationToken);
        Remember(songId);
        return existing is null or { IsPlaceholder: true };
    }

    /// <summary>The song's entry, or null if the catalog has never heard of it.</summary>
    public async Task<CatalogEntry?> GetAsync(string songId, CancellationToken cancellationToken = default)
    {
        var response = await _table.GetEntityIfExistsAsync<TableEntity>(songId, TableKeys.CatalogRow, cancellationToken: cancellationToken);
        return response.HasValue ? ToEntry(response.Value!) : null;
    }

    private static CatalogEntry ToEntry(TableEntity e) => e.GetBoolean("Placeholder") == true
        ? new CatalogEntry(e.PartitionKey, null, true)
        : new CatalogEntry(
            e.PartitionKey,
            new SongDetails(
                e.GetString("Title") ?? "",
                e.GetString("Artist") ?? "",
                e.GetString("Label") ?? "",
                e.GetInt32("DurationMs") ?? 0,
                (e.GetString("Regions") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)),
            false);

    private void Remember(string songId)
    {
        if (_known.Count >= KnownCapacity)
        {
            _known.Clear();
        }

        _known.TryAdd(songId, 0);
    }
}
