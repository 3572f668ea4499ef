using System.Collections.Frozen;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The whole catalog in memory, refreshed every five minutes: titles, artists (for the per-artist
/// cap of mixes), regions and co-occurrence neighbours, without a storage call per song.
/// </summary>
public sealed class CatalogSnapshot(SongCatalog catalog, StorageProvisioner provisioner, TimeProvider timeProvider, ILogger<CatalogSnapshot> logger) : BackgroundService
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromMinutes(5);
    private FrozenDictionary<string, CatalogEntry> _entries = FrozenDictionary<string, CatalogEntry>.Empty;

    /// <summary>The entry of a song, or null.</summary>
    public CatalogEntry? this[string songId] => _entries.GetValueOrDefault(songId);

    /// <summary>The details of a song, or null.</summary>
    public SongDetails? Details(string songId) => _entries.GetValueOrDefault(songId)?.Details;

    /// <summary>Reads the catalog now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var entries = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        await foreach (var entry in catalog.ReadAllAsync(cancellationToken))
        {
            entries[entry.SongId] = entry;
        }

        Volatile.Write(ref _entries, entries.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.CatalogRefreshFailed(logger, ex);
            }

            await Task.Delay(RefreshEvery, timeProvider, stoppingToken);
        }
    }
}
