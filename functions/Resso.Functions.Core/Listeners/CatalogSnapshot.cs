using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The whole catalog in memory: titles, artists (for the per-artist cap of mixes), regions and
/// co-occurrence neighbours, without a storage call per song. Read in full at start-up (listener
/// answers wait for that first read, <see cref="WaitUntilLoadedAsync"/>); then every
/// <see cref="PollEvery"/> the changes recorded by any instance (<see cref="SongCatalog.ReadChangesAsync"/>)
/// are applied: changed songs are read one by one into a small overlay over the frozen whole, a
/// whole-catalog change (after a roll-up) or a burst of more than <see cref="MaxPointReads"/>
/// songs reads everything again. A song upserted on this instance is applied at once
/// (<see cref="Apply"/>). A full read every <see cref="FullReadEvery"/> is the fallback for a change
/// this misses. <see cref="Generation"/> moves whenever what listeners see changes, so that cached
/// answers built from the old entries are not served again.
/// </summary>
public sealed class CatalogSnapshot(
    SongCatalog catalog, StorageProvisioner provisioner, StorageHealthProbe probe, IOptions<StorageOptions> storage, TimeProvider timeProvider, ILogger<CatalogSnapshot> logger) : BackgroundService
{
    /// <summary>How often the changes are read.</summary>
    public static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(2);

    /// <summary>How far before its last look each read of the changes starts again (clocks of instances differ; writes are in flight).</summary>
    public static readonly TimeSpan Overlap = TimeSpan.FromMinutes(1);

    /// <summary>How often the whole catalog is read again whatever the changes say.</summary>
    public static readonly TimeSpan FullReadEvery = TimeSpan.FromMinutes(5);

    /// <summary>More changed songs than this in one look read the whole catalog instead of each song.</summary>
    public const int MaxPointReads = 500;

    // An overlay larger than this is folded into a new frozen whole.
    private const int MaxOverlay = 5_000;

    private sealed record View(FrozenDictionary<string, CatalogEntry> Base, ImmutableDictionary<string, (CatalogEntry Entry, long Sequence)> Overlay)
    {
        public static readonly View Empty = new(FrozenDictionary<string, CatalogEntry>.Empty, ImmutableDictionary<string, (CatalogEntry, long)>.Empty.WithComparers(StringComparer.Ordinal));

        public CatalogEntry? this[string songId] => Overlay.TryGetValue(songId, out var e) ? e.Entry : Base.GetValueOrDefault(songId);

        public int Count => Base.Count + Overlay.Keys.Count(k => !Base.ContainsKey(k));
    }

    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Changes already acted on, kept while they are within the overlap.
    private readonly HashSet<CatalogChange> _seen = [];
    private View _view = View.Empty;
    private long _sequence;
    private long _generation;
    private DateTimeOffset _lastLook;

    /// <summary>This instance, as its whole-catalog changes name it.</summary>
    public string Instance { get; } = Guid.NewGuid().ToString("N");

    /// <summary>Moves whenever an entry's details, top segment or neighbours change here: part of every cached answer's key.</summary>
    public long Generation => Volatile.Read(ref _generation);

    /// <summary>True once the catalog has been read in full.</summary>
    public bool IsLoaded { get; private set; }

    /// <summary>The entry of a song, or null.</summary>
    public CatalogEntry? this[string songId] => Volatile.Read(ref _view)[songId];

    /// <summary>The details of a song, or null.</summary>
    public SongDetails? Details(string songId) => this[songId]?.Details;

    /// <summary>
    /// Returns once the first full read has ended (or failed, or taken longer than
    /// <see cref="StorageOptions.RequestTimeout"/>): answers before that would have no titles.
    /// Never throws but for <paramref name="cancellationToken"/>; after a failed first read, answers
    /// go on without titles until a later read succeeds.
    /// </summary>
    public Task WaitUntilLoadedAsync(CancellationToken cancellationToken = default) =>
        _settled.Task.IsCompleted ? Task.CompletedTask : _settled.Task.WaitAsync(cancellationToken);

    /// <summary>Reads the whole catalog now.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var started = Volatile.Read(ref _sequence);
        var entries = new Dictionary<string, CatalogEntry>(StringComparer.Ordinal);
        await foreach (var entry in catalog.ReadAllAsync(cancellationToken))
        {
            entries[entry.SongId] = entry;
        }

        var frozen = entries.ToFrozenDictionary(StringComparer.Ordinal);
        lock (_gate)
        {
            // What was applied while the scan ran may be newer than what the scan read: kept over it.
            var old = _view;
            var kept = old.Overlay.Where(o => o.Value.Sequence > started).ToImmutableDictionary(StringComparer.Ordinal);
            var view = new View(frozen, kept);
            Volatile.Write(ref _view, view);
            if (!SameEntries(old, view))
            {
                Interlocked.Increment(ref _generation);
            }

            IsLoaded = true;
        }

        _settled.TrySetResult();
    }

    /// <summary>Applies a song's new details at once (the upsert was made on this instance); its top segment and neighbours stay.</summary>
    public void Apply(string songId, SongDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        lock (_gate)
        {
            var entry = _view[songId] is { } existing ? existing with { Details = details } : new CatalogEntry(songId, details);
            Put(entry);
        }
    }

    // Reads the changes since the last look; applies each song not seen before, or reads everything again.
    internal async Task PollAsync(CancellationToken cancellationToken)
    {
        var look = timeProvider.GetUtcNow();
        var since = _lastLook - Overlap;
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
            if (change.SongId is null)
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

        if (all || songs.Count > MaxPointReads)
        {
            await RefreshAsync(cancellationToken);
        }
        else
        {
            await Parallel.ForEachAsync(songs, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (songId, ct) =>
            {
                if (await catalog.GetAsync(songId, ct) is { } entry)
                {
                    lock (_gate)
                    {
                        Put(entry);
                    }
                }
            });

            // A placeholder changes no answer but similar songs' 404: no new generation, no read.
            lock (_gate)
            {
                foreach (var songId in placeholders.Where(s => _view[s] is null))
                {
                    var view = _view;
                    Volatile.Write(ref _view, view with { Overlay = view.Overlay.SetItem(songId, (new CatalogEntry(songId, null), ++_sequence)) });
                }
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
        var lastFullRead = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!IsLoaded || timeProvider.GetUtcNow() - lastFullRead >= FullReadEvery)
                {
                    await RefreshAsync(stoppingToken);
                    lastFullRead = timeProvider.GetUtcNow();
                }
                else
                {
                    await PollAsync(stoppingToken);
                }
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

    // Requests stop waiting for a first read that takes longer than a request may wait for storage.
    private async Task SettleAfterAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        await Task.Delay(timeout, timeProvider, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _settled.TrySetResult();
    }

    // Under _gate: puts the entry in the overlay (folding a large overlay into a new whole) and moves the generation if it changed anything.
    private void Put(CatalogEntry entry)
    {
        var view = _view;
        var changed = !Same(view[entry.SongId], entry);
        var overlay = view.Overlay.SetItem(entry.SongId, (entry, ++_sequence));
        var next = overlay.Count > MaxOverlay
            ? new View(view.Base.Concat(overlay.Select(o => KeyValuePair.Create(o.Key, o.Value.Entry))).GroupBy(e => e.Key, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal), View.Empty.Overlay)
            : view with { Overlay = overlay };
        Volatile.Write(ref _view, next);
        if (changed)
        {
            Interlocked.Increment(ref _generation);
        }
    }

    private static bool SameEntries(View a, View b) =>
        a.Count == b.Count
        && b.Base.Keys.Concat(b.Overlay.Keys).All(k => Same(a[k], b[k]));

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
