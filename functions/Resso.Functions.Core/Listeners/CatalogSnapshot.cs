using System.Collections.Immutable;
using Azure;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The catalog as this instance sees it, in three layers, none of which grows with the catalog on the heap:
/// <list type="bullet">
/// <item>the <b>compact snapshot</b> (<see cref="CompactCatalog"/>, memory-mapped from a downloaded
/// temporary file): what ranking and answers show of every song (title, artist, label, regions,
/// placeholder), published
/// by the catalog roll-up (<see cref="CatalogSnapshotStore"/>) and swapped in within
/// <see cref="PollEvery"/> of its publication (its ETag is checked at every look);</item>
/// <item>the <b>overlay</b>: full entries of the songs changed since the snapshot's scan started,
/// from the changes any instance records (<see cref="SongCatalog.ReadChangesAsync"/>, read every
/// <see cref="PollEvery"/>), or upserted here (<see cref="ApplyAsync"/>, at once);</item>
/// <item>a bounded <b>cache</b> of full entries (top segment, neighbours) of the songs this instance
/// serves (<see cref="CatalogCacheOptions"/>), filled by batched point reads (<see cref="GetManyAsync"/>)
/// and emptied when a new snapshot comes (a roll-up rewrote every song's segment and neighbours).</item>
/// </list>
/// Answers that only show songs (title, artist) take them with <see cref="GetDetailsAsync"/>: from the
/// overlay, else the snapshot, and read only the songs neither has (newer than the snapshot, or a
/// title too long for it), so that an instance just started reads no song of the snapshot to answer.
/// The first instance to start on storage without a snapshot publishes one. Listener answers wait
/// for the first snapshot (<see cref="WaitUntilLoadedAsync"/>). <see cref="Generation"/> moves whenever
/// what listeners see changes (a new snapshot, a changed song), so that cached answers built from the
/// old entries are not served again.
/// </summary>
public sealed class CatalogSnapshot(
    SongCatalog catalog,
    CatalogSnapshotStore store,
    StorageProvisioner provisioner,
    StorageHealthProbe probe,
    IOptions<StorageOptions> storage,
    IOptions<CatalogCacheOptions> cacheOptions,
    TimeProvider timeProvider,
    ILogger<CatalogSnapshot> logger) : BackgroundService, IKnownSongs
{
    /// <summary>How often the snapshot's ETag and the changes are read.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);

    /// <summary>How far before its last look each read of the changes starts again (clocks of instances differ; writes are in flight).</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A change recorded this long before a snapshot's scan started is in it: a change is recorded
    /// after its write, so only the difference between instances' clocks can put it before the scan.
    /// </summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(10);

    private sealed record View(CompactCatalog Compact, ETag? ETag, ImmutableDictionary<string, (CatalogEntry Entry, long Sequence)> Overlay)
    {
        public static readonly ImmutableDictionary<string, (CatalogEntry, long)> NoOverlay = ImmutableDictionary<string, (CatalogEntry, long)>.Empty.WithComparers(StringComparer.Ordinal);
    }

    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CatalogEntryCache _cache = new(cacheOptions.Value.MaxEntries, cacheOptions.Value.MaxBytes);
    // Changes already acted on, kept while they are within the overlap.
    private readonly HashSet<CatalogChange> _seen = [];
    private View _view = new(CompactCatalog.Empty, null, View.NoOverlay);
    private long _sequence;
    private long _generation;
    private DateTimeOffset _lastLook;

    /// <summary>This instance, as its whole-catalog changes name it.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Moves whenever an entry's details, top segment or neighbours change here: part of every cached answer's key.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>True once a snapshot has been loaded.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>The loaded snapshot's sequence (0 before any).</summary>
    public long SnapshotSequence => Volatile.Read(ref _view).Compact.Sequence;

    /// <summary>Songs in the loaded snapshot.</summary>
    public int SnapshotSongs => Volatile.Read(ref _view).Compact.Count;

    /// <summary>Songs changed since the snapshot, held in full.</summary>
    public int OverlaySongs => Volatile.Read(ref _view).Overlay.Count;

    /// <summary>The cache of full entries.</summary>
    public CatalogEntryCache Cache => _cache;

    /// <summary>
    /// Returns once the first snapshot is loaded (or failed, or took longer than
    /// <see cref="StorageOptions.RequestTimeout"/>): answers before that would have no artists or regions.
    /// Never throws but for <paramref name="cancellationToken"/>.
    /// </summary>
    public Task WaitUntilLoadedAsync(CancellationToken cancellationToken = default) =>
        _settled.Task.IsCompleted ? Task.CompletedTask : _settled.Task.WaitAsync(cancellationToken);

    /// <summary>Whether the catalog has the song (with details or as a placeholder), as far as this instance knows without a read.</summary>
    public bool IsKnown(string songId) =>
        Volatile.Read(ref _view).Overlay.ContainsKey(songId) || Compact(songId, static (c, s) => c.TryGet(s, out _));

    /// <summary>
    /// The details ranking uses (artist for the per-artist cap and descriptions, regions, title): the
    /// full entry when changed or cached, else from the compact snapshot (with an empty title for a
    /// song the snapshot has no title for) and a duration of 0. No I/O.
    /// </summary>
    public SongDetails? RankingDetails(string songId)
    {
        if (Cached(songId) is { } entry)
        {
            return entry.Details;
        }

        return SnapshotDetails(songId) is { } found ? found.Details ?? found.WithoutTitle : null;
    }

    /// <summary>
    /// What answers show of their songs (title, artist, label, regions; a duration of 0 for those from
    /// the snapshot): the overlay's details for a changed song, else the snapshot's, and for the songs
    /// neither has in full (newer than the snapshot, or without a title in it) the full entries of
    /// <see cref="GetManyAsync"/>, in one batch. Placeholders and songs the catalog does not have are
    /// left out. A song of the snapshot costs no read.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, SongDetails>> GetDetailsAsync(IEnumerable<string> songIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, SongDetails>(StringComparer.Ordinal);
        var missing = new List<string>();
        var overlay = Volatile.Read(ref _view).Overlay;
        foreach (var songId in songIds.Distinct(StringComparer.Ordinal))
        {
            if (overlay.TryGetValue(songId, out var changed))
            {
                if (changed.Entry.Details is { } details)
                {
                    found[songId] = details;
                }
            }
            else if (SnapshotDetails(songId) is { } snapshot && (snapshot.Details is not null || snapshot.Placeholder))
            {
                if (snapshot.Details is { } details)
                {
                    found[songId] = details;
                }
            }
            else
            {
                missing.Add(songId);
            }
        }

        if (missing.Count > 0)
        {
            foreach (var (songId, entry) in await GetManyAsync(missing, cancellationToken))
            {
                if (entry.Details is { } details)
                {
                    found[songId] = details;
                }
            }
        }

        return found;
    }

    /// <summary>Whether the song may be played in <paramref name="region"/> (a song the catalog does not know, or without regions, may be played everywhere). No I/O.</summary>
    public bool IsPlayable(string songId, string region)
    {
        if (Volatile.Read(ref _view).Overlay.TryGetValue(songId, out var changed))
        {
            return changed.Entry.Details is not { Regions.Count: > 0 } details || details.Regions.Contains(region, StringComparer.Ordinal);
        }

        return Compact((songId, region), static (c, s) => !c.TryGet(s.songId, out var song) || c.IsPlayableIn(song.RegionSet, s.region));
    }

    /// <summary>The song's label; null when unknown or a placeholder. No I/O.</summary>
    public string? LabelOf(string songId) =>
        Volatile.Read(ref _view).Overlay.TryGetValue(songId, out var changed)
            ? changed.Entry.Details?.Label
            : Compact(songId, static (c, s) => c.TryGet(s, out var song) ? c.LabelName(song.Label) : null);

    /// <summary>The full entry if changed since the snapshot or cached; no I/O.</summary>
    public CatalogEntry? Cached(string songId) =>
        Volatile.Read(ref _view).Overlay.TryGetValue(songId, out var changed) ? changed.Entry
        : _cache.TryGet(songId, out var entry) ? entry
        : null;

    /// <summary>The song's full entry: changed, cached, or read (and cached); null when the catalog has never heard of it.</summary>
    public async Task<CatalogEntry?> GetAsync(string songId, CancellationToken cancellationToken = default) =>
        (await GetManyAsync([songId], cancellationToken)).GetValueOrDefault(songId);

    /// <summary>
    /// The full entries of the songs of one answer: those changed or cached at once, the others in
    /// one batch of parallel point reads, then cached. Songs the catalog does not have are left out.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, CatalogEntry>> GetManyAsync(IEnumerable<string> songIds, CancellationToken cancellationToken = default)
    {
        var found = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        var missing = new List<string>();
        var overlay = Volatile.Read(ref _view).Overlay;
        foreach (var songId in songIds.Distinct(StringComparer.Ordinal))
        {
            if (overlay.TryGetValue(songId, out var changed))
            {
                found[songId] = changed.Entry;
            }
            else if (_cache.TryGet(songId, out var entry) && (entry is not null || !IsKnown(songId)))
            {
                if (entry is not null)
                {
                    found[songId] = entry;
                }
            }
            else
            {
                missing.Add(songId);
            }
        }

        if (missing.Count > 0)
        {
            // Taken before the reads: an entry changed or emptied meanwhile is answered but not kept.
            var epoch = _cache.Epoch;
            var read = await catalog.GetManyAsync(missing, cancellationToken: cancellationToken);
            foreach (var songId in missing)
            {
                var entry = read.GetValueOrDefault(songId);
                _cache.TryFill(songId, entry, epoch);
                if (entry is not null)
                {
                    found[songId] = entry;
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Looks now: loads the published snapshot if it is new (publishing the first one on empty
    /// storage), then applies the changes recorded since the last look.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            await LoadSnapshotAsync(cancellationToken);
            await PollAsync(cancellationToken);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>
    /// Applies a song's new details at once (the upsert was made on this instance), with its stored
    /// top segment and neighbours (read back; those of the cache if the read fails).
    /// </summary>
    public async Task ApplyAsync(string songId, SongDetails details, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(details);
        CatalogEntry? stored;
        try
        {
            stored = await catalog.GetAsync(songId, cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            stored = Cached(songId);
        }

        var entry = (stored ?? new CatalogEntry(songId, details)) with { Details = details };
        lock (_gate)
        {
            Put(entry);
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        _refreshing.Dispose();
        Volatile.Read(ref _view).Compact.Dispose();
    }

    // Reads the changes since the last look and applies each song not seen before.
    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        if (!IsLoaded)
        {
            // Changes are read relative to a snapshot's scan.
            return;
        }

        var look = timeProvider.GetUtcNow();
        var since = _lastLook - Overlap;
        var covered = Volatile.Read(ref _view).Compact.ChangesSince - ClockSkew;
        var songs = new HashSet<string>(StringComparer.Ordinal);
        var placeholders = new HashSet<string>(StringComparer.Ordinal);
        var all = false;
        var fresh = new List<CatalogChange>();
        await foreach (var change in catalog.ReadChangesAsync(since, cancellationToken))
        {
            if (_seen.Contains(change))
            {
                continue;
            }

            fresh.Add(change);
            if (change.ChangedAt < covered)
            {
                // In the snapshot already.
            }
            else if (change.SongId is null)
            {
                all |= change.Instance != Instance;
            }
            else if (change.Placeholder)
            {
                placeholders.Add(change.SongId);
            }
            else
            {
                songs.Add(change.SongId);
            }
        }

        if (all)
        {
            // Another instance rewrote every song's segment and neighbours without a new snapshot: the cache goes.
            _cache.Clear();
            Interlocked.Increment(ref _generation);
        }

        var read = await catalog.GetManyAsync(songs, cancellationToken: cancellationToken);
        lock (_gate)
        {
            foreach (var entry in read.Values)
            {
                Put(entry);
            }

            // A placeholder changes no answer but similar songs' 404: no new generation, no read.
            foreach (var songId in placeholders.Where(s => !IsKnown(s)))
            {
                var view = _view;
                Volatile.Write(ref _view, view with { Overlay = view.Overlay.SetItem(songId, (new CatalogEntry(songId, null), ++_sequence)) });
            }
        }

        // Only once applied: a failed read is tried again at the next look.
        _seen.UnionWith(fresh);
        _seen.RemoveWhere(c => c.ChangedAt < since);
        _lastLook = look;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = SettleAfterAsync(storage.Value.RequestTimeout, stoppingToken);
        await provisioner.WaitUntilReadyAsync(stoppingToken);
        _lastLook = timeProvider.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                _settled.TrySetResult();
                // While storage is unreachable the probe says so once; the failures themselves are Debug.
                if (await probe.IsOutageAsync(ex, stoppingToken))
                {
                    Log.CatalogRefreshDeferred(logger, ex);
                }
                else
                {
                    Log.CatalogRefreshFailed(logger, ex);
                }
            }

            await Task.Delay(PollEvery, timeProvider, stoppingToken);
        }
    }

    // Swaps in the published snapshot when its ETag is not the loaded one's, with the songs changed
    // since its scan read into a new overlay first, so that no change is unseen between the two.
    private async Task LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        var etag = await store.GetETagAsync(cancellationToken);
        if (etag is null)
        {
            await store.PublishAsync(onlyIfNone: true, cancellationToken);
            etag = await store.GetETagAsync(cancellationToken);
        }

        if (etag is null || etag == Volatile.Read(ref _view).ETag)
        {
            return;
        }

        var started = Interlocked.Read(ref _sequence);
        if (await store.DownloadAsync(cancellationToken) is not { } downloaded)
        {
            return;
        }

        var (compact, loadedETag) = downloaded;
        try
        {
            var look = timeProvider.GetUtcNow();
            var covered = compact.ChangesSince - ClockSkew;
            var songs = new HashSet<string>(StringComparer.Ordinal);
            var placeholders = new HashSet<string>(StringComparer.Ordinal);
            var fresh = new List<CatalogChange>();
            await foreach (var change in catalog.ReadChangesAsync(compact.ChangesSince - Overlap, cancellationToken))
            {
                fresh.Add(change);
                if (change.SongId is { } songId && change.ChangedAt >= covered)
                {
                    (change.Placeholder ? placeholders : songs).Add(songId);
                }
            }

            var read = await catalog.GetManyAsync(songs, cancellationToken: cancellationToken);
            lock (_gate)
            {
                var old = _view;
                // What was applied here while this ran may be newer than what was read: kept over it.
                var overlay = View.NoOverlay.SetItems(read.Values.Select(e => KeyValuePair.Create(e.SongId, (e, ++_sequence))))
                    .SetItems(placeholders.Where(s => !read.ContainsKey(s) && !compact.TryGet(s, out _)).Select(s => KeyValuePair.Create(s, (new CatalogEntry(s, null), ++_sequence))))
                    .SetItems(old.Overlay.Where(o => o.Value.Sequence > started));
                Volatile.Write(ref _view, new View(compact, loadedETag, overlay));
                _cache.Clear();
                Interlocked.Increment(ref _generation);
                IsLoaded = true;
                old.Compact.Dispose();
            }

            _seen.Clear();
            _seen.UnionWith(fresh);
            _lastLook = look;
        }
        catch
        {
            if (!ReferenceEquals(Volatile.Read(ref _view).Compact, compact))
            {
                compact.Dispose();
            }

            throw;
        }

        _settled.TrySetResult();
        Log.CatalogSnapshotLoaded(logger, compact.Sequence, compact.Count, Volatile.Read(ref _view).Overlay.Count);
    }

    // Requests stop waiting for a first read that takes longer than a request may wait for storage.
    private async Task SettleAfterAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        await Task.Delay(timeout, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _settled.TrySetResult();
    }

    // The snapshot's record of a song: its details when it has the title, else what it has without
    // the title (WithoutTitle); null when the snapshot does not have the song.
    private (SongDetails? Details, SongDetails? WithoutTitle, bool Placeholder)? SnapshotDetails(string songId) =>
        Compact(songId, static (c, s) =>
        {
            if (!c.TryGet(s, out var song))
            {
                return ((SongDetails?, SongDetails?, bool)?)null;
            }

            if (song.IsPlaceholder)
            {
                return (null, null, true);
            }

            var details = new SongDetails(c.Title(song) ?? "", c.ArtistName(song.Artist) ?? "", c.LabelName(song.Label) ?? "", 0, c.Regions(song.RegionSet));
            return song.TitleLength < 0 ? (null, details, false) : (details, details, false);
        });

    // A lookup in the compact snapshot; one that met a snapshot disposed by a swap is made again in the new one.
    private T Compact<TState, T>(TState state, Func<CompactCatalog, TState, T> lookup)
    {
        while (true)
        {
            var view = Volatile.Read(ref _view);
            try
            {
                return lookup(view.Compact, state);
            }
            catch (ObjectDisposedException) when (!ReferenceEquals(view, Volatile.Read(ref _view)))
            {
            }
        }
    }

    // Under _gate: puts the entry in the overlay and moves the generation if it changed anything listeners see.
    private void Put(CatalogEntry entry)
    {
        var view = _view;
        var before = Cached(entry.SongId);
        Volatile.Write(ref _view, view with { Overlay = view.Overlay.SetItem(entry.SongId, (entry, ++_sequence)) });
        // The overlay answers for the song from now on.
        _cache.Remove(entry.SongId);
        if (!Same(before, entry))
        {
            Interlocked.Increment(ref _generation);
        }
    }

    // What listeners see of an entry: details, top segment, neighbours.
    private static bool Same(CatalogEntry? a, CatalogEntry? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null
            && SameDetails(a.Details, b.Details)
            && a.TopSegment == b.TopSegment
            && (a.Neighbours ?? []).SequenceEqual(b.Neighbours ?? [], NeighbourComparer.Instance));

    private static bool SameDetails(SongDetails? a, SongDetails? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null
            && a.Title == b.Title && a.Artist == b.Artist && a.Label == b.Label && a.DurationMs == b.DurationMs
            && a.Regions.SequenceEqual(b.Regions, StringComparer.Ordinal));

    private sealed class NeighbourComparer : IEqualityComparer<KeyValuePair<string, double>>
    {
        public static readonly NeighbourComparer Instance = new();

        public bool Equals(KeyValuePair<string, double> x, KeyValuePair<string, double> y) =>
            string.Equals(x.Key, y.Key, StringComparison.Ordinal) && x.Value.Equals(y.Value);

        public int GetHashCode(KeyValuePair<string, double> obj) => HashCode.Combine(obj.Key, obj.Value);
    }
}
