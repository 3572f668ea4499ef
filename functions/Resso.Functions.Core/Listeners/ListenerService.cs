using System.Collections.Concurrent;
using System.Numerics.Tensors;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Resso.Ml.Mixes;
using Resso.Ml.Scoring;
using Resso.Ml.Serving;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Events;
using Resso.Shared.Privacy;

namespace Resso.Functions.Core.Listeners;

/// <summary>A song in a listener-facing list.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Title">Its title, when the catalog has one.</param>
/// <param name="Artist">Its artist.</param>
/// <param name="Score">Higher is better, within one list.</param>
/// <param name="Reason"><c>for_you</c>, <c>similar_to:{songId}</c>, <c>trending</c>, <c>created</c> or <c>co_occurrence</c>.</param>
public sealed record SongItem(string SongId, string? Title, string? Artist, double Score, string Reason);

/// <summary><c>GET /api/users/{userId}/recommendations</c>.</summary>
/// <param name="UserId">The listener.</param>
/// <param name="ModelVersion">The model that ranked them; null for the trending fallback before any model.</param>
/// <param name="Personalized">False when the user is unknown and trending is served instead.</param>
/// <param name="Region">The region filter.</param>
/// <param name="Items">Best first.</param>
public sealed record RecommendationsResponse(string UserId, string? ModelVersion, bool Personalized, string? Region, IReadOnlyList<SongItem> Items);

/// <summary>A mix as shown to the listener.</summary>
public sealed record MixView(string Id, string Kind, string Title, string Description, IReadOnlyList<SongItem> Tracks);

/// <summary><c>GET /api/users/{userId}/mixes</c>.</summary>
public sealed record MixesResponse(string UserId, string? ModelVersion, string? Region, IReadOnlyList<MixView> Mixes);

/// <summary><c>GET /api/songs/{songId}/similar</c>.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Source"><c>model</c> (song-factor cosine) or <c>co_occurrence</c> (songs used by the same users; for songs the model does not know).</param>
/// <param name="ModelVersion">The model, for <c>model</c>.</param>
/// <param name="Items">Best first.</param>
public sealed record SimilarResponse(string SongId, string Source, string? ModelVersion, IReadOnlyList<SongItem> Items);

/// <summary><c>GET /api/trending</c>.</summary>
public sealed record TrendingResponse(string? Region, string Window, IReadOnlyList<SongItem> Items);

/// <summary>A page of a user's counted events, newest first: <c>GET /api/me/history</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Total">How many events are counted for the user in all.</param>
/// <param name="Items">The events of this page.</param>
/// <param name="Next">Pass as <c>before</c> for the next (older) page; null on the last page.</param>
public sealed record HistoryResponse(string UserId, int Total, IReadOnlyList<HistoryItem> Items, string? Next = null);

/// <summary>One counted event of a user's history.</summary>
/// <param name="EventId">The event's id.</param>
/// <param name="SongId">The song.</param>
/// <param name="Title">Its title, when the catalog has it.</param>
/// <param name="Artist">Its artist, when the catalog has it.</param>
/// <param name="VideoId">The video.</param>
/// <param name="Action">create, view, like, share or favorite.</param>
/// <param name="Region">Where it happened.</param>
/// <param name="OccurredAt">When.</param>
public sealed record HistoryItem(string EventId, string SongId, string? Title, string? Artist, string VideoId, string Action, string Region, DateTimeOffset OccurredAt);

/// <summary>
/// What listeners see: recommendations with reasons, mixes, similar songs and trending charts.
/// Answers are cached per instance: fresh for a minute, then served for up to four more while
/// they are computed again behind the answer. A user's entries are dropped as soon as their new
/// events are counted here, and everything when the model changes; another instance answers a
/// user's new events from the first request after the fresh minute plus one recomputation. An
/// erased user's cached answers are not served again once this instance holds the erasure marker.
/// Answers are also keyed by the catalog's <see cref="CatalogSnapshot.Generation"/>: a title, artist
/// or region changed here (at once on the instance that took the upsert, within seconds elsewhere)
/// is in the next answer. Ranking reads artists and regions from the compact snapshot without I/O,
/// and so do answers the titles and artists they show (<see cref="CatalogSnapshot.GetDetailsAsync"/>):
/// only songs newer than the snapshot, and the seeds whose stored neighbours fill mixes, are read
/// from the catalog table. Nothing is answered before the first snapshot is loaded.
/// </summary>
public sealed class ListenerService : IUserActivityObserver
{
    /// <summary>How long an answer is reused as it is.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromMinutes(1);

    /// <summary>How long after that an answer is still served while it is computed again behind it.</summary>
    public static readonly TimeSpan ServeStaleFor = TimeSpan.FromMinutes(4);

    private const int Candidates = 300;
    private const double SimilarReasonThreshold = 0.6;

    private readonly ModelHolder _holder;
    private readonly Recommender _recommender;
    private readonly InteractionStore _interactions;
    private readonly SongStatsStore _stats;
    private readonly CatalogSnapshot _catalog;
    private readonly IMemoryCache _cache;
    private readonly RefreshingCache _answers;
    private readonly MixBuilder _mixes;
    private readonly TimeProvider _timeProvider;
    private readonly ErasureMarkers _erasures;
    private readonly ConcurrentDictionary<string, int> _userGenerations = new(StringComparer.Ordinal);
    private int _modelGeneration;

    /// <summary>Creates the service; it drops its cache when <paramref name="holder"/> swaps models.</summary>
    public ListenerService(ModelHolder holder, Recommender recommender, InteractionStore interactions, SongStatsStore stats, CatalogSnapshot catalog,
        IMemoryCache cache, RefreshingCache answers, IOptions<MixOptions> mixOptions, ErasureMarkers erasures, TimeProvider timeProvider)
    {
        (_holder, _recommender, _interactions, _stats, _catalog, _cache, _answers, _timeProvider) = (holder, recommender, interactions, stats, catalog, cache, answers, timeProvider);
        _erasures = erasures;
        _mixes = new MixBuilder(mixOptions.Value);
        holder.Swapped += _ => Interlocked.Increment(ref _modelGeneration);
    }

    /// <inheritdoc />
    public void OnEventsCounted(IReadOnlyCollection<string> userIds)
    {
        foreach (var user in userIds)
        {
            _userGenerations.AddOrUpdate(user, 1, static (_, g) => g + 1);
        }
    }

    /// <summary>Personal recommendations, or trending in the region for a user the model cannot place.</summary>
    public Task<RecommendationsResponse> RecommendAsync(string userId, int count, string? region, bool excludeUsed, CancellationToken cancellationToken = default) =>
        CachedAsync(("recommendations", userId, count, region, excludeUsed, UserKey(userId)), cancellationToken, async ct =>
        {
            var result = await _recommender.RecommendAsync(userId, count, region, excludeUsed, ct);
            if (result is null || _holder.Current is not { } model)
            {
                var trending = await TrendingAsync(region, TimeSpan.FromHours(24), count, ct);
                return new RecommendationsResponse(userId, _holder.Current?.Version, false, region, trending.Items);
            }

            var seeds = result.UsedSongs.Select(s => model.Factors.Items.IndexOf(s)).Where(i => i >= 0).Take(50).ToArray();
            var entries = await _catalog.GetDetailsAsync(result.Songs.Select(s => s.SongId), ct);
            return new RecommendationsResponse(userId, result.ModelVersion, true, region,
                [.. result.Songs.Select(s => Item(entries, s.SongId, s.Score, ReasonFor(model, s.SongId, seeds)))]);
        });

    /// <summary>The user's mixes: for you, from your videos, trending in the region, because you used….</summary>
    public Task<MixesResponse> MixesAsync(string userId, string? region, CancellationToken cancellationToken = default) =>
        CachedAsync(("mixes", userId, region, UserKey(userId), DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime)), cancellationToken, async ct =>
        {
            var model = _holder.Current;
            var history = await _interactions.GetUserInteractionsAsync(userId, ct);
            var recommendations = await _recommender.RecommendAsync(userId, Candidates, region, excludeUsed: false, ct);
            var trending = await TrendingScoresAsync(region, TimeSpan.FromHours(24), ct);
            var request = new MixRequest
            {
                UserId = userId,
                Now = _timeProvider.GetUtcNow(),
                ModelVersion = model?.Version ?? "",
                Region = region,
                History = history,
                Recommendations = recommendations is null ? [] : [.. recommendations.Songs.Select(s => new ScoredSong(s.SongId, s.Score))],
                Model = model?.Factors,
                Trending = trending,
                // What ranking needs of every candidate (artist, regions) is in the compact snapshot, without I/O.
                IsPlayable = region is null ? null : songId => _catalog.IsPlayable(songId, region),
            };

            // Full entries of the seeds first, in one batch: their titles name mixes, their stored neighbours fill them.
            var seeds = await _catalog.GetManyAsync(_mixes.SongsNeedingNeighbours(request), ct);
            request = request with
            {
                SimilarSongs = songId => Similar(songId, 30, seeds)?.Items.Select(i => new ScoredSong(i.SongId, i.Score)).ToList() ?? [],
                Songs = songId => seeds.TryGetValue(songId, out var seed) ? seed.Details : _catalog.RankingDetails(songId),
            };
            var mixes = _mixes.Build(request);
            var entries = await _catalog.GetDetailsAsync(mixes.SelectMany(m => m.Tracks).Select(t => t.SongId), ct);
            return new MixesResponse(userId, model?.Version, region,
                [.. mixes.Select(m => new MixView(m.Id, m.Kind, m.Title, m.Description, [.. m.Tracks.Select(t => Item(entries, t.SongId, t.Score, t.Reason))]))]);
        });

    /// <summary>The user's counted events, newest first, at most <paramref name="count"/>, with each song's title and artist.</summary>
    public async Task<HistoryResponse> HistoryAsync(string userId, int count, HistoryCursor? before = null, CancellationToken cancellationToken = default)
    {
        await _catalog.WaitUntilLoadedAsync(cancellationToken);
        var events = await _interactions.GetUserEventsAsync(userId, cancellationToken);
        var page = events.Where(e => before is null || before.Precedes(e))
            .OrderByDescending(e => e.OccurredAt).ThenBy(e => e.EventId, StringComparer.Ordinal)
            .Take(count + 1).ToList();
        var next = page.Count > count ? new HistoryCursor(page[count - 1].OccurredAt, page[count - 1].EventId).ToString() : null;
        var entries = await _catalog.GetDetailsAsync(page.Take(count).Select(e => e.SongId), cancellationToken);
        return new HistoryResponse(userId, events.Count,
        [
            .. page.Take(count).Select(e =>
            {
                var details = entries.GetValueOrDefault(e.SongId);
                return new HistoryItem(e.EventId, e.SongId, details?.Title, details?.Artist, e.VideoId, ActionName(e.Action), e.Region, e.OccurredAt);
            }),
        ],
        next);
    }

    private static string ActionName(SongAction action) => action switch
    {
        SongAction.Create => "create",
        SongAction.View => "view",
        SongAction.Like => "like",
        SongAction.Share => "share",
        _ => "favorite",
    };

    /// <summary>
    /// Neighbours by song-factor cosine, or by co-occurrence for songs the model does not know (none
    /// yet for a song the catalog knows without neighbours); null for a song neither knows. Cached like the other answers: every user's mixes ask for the neighbours of
    /// their seeds, and popular seeds are shared, so each is computed once per model and minute.
    /// </summary>
    public async Task<SimilarResponse?> SimilarAsync(string songId, int count, CancellationToken cancellationToken = default)
    {
        await _catalog.WaitUntilLoadedAsync(cancellationToken);
        var song = await _catalog.GetManyAsync([songId], cancellationToken);
        if (Similar(songId, count, song) is not { } similar)
        {
            return null;
        }

        var entries = await _catalog.GetDetailsAsync(similar.Items.Select(i => i.SongId), cancellationToken);
        return similar with { Items = [.. similar.Items.Select(i => Item(entries, i.SongId, i.Score, i.Reason))] };
    }

    // Similar without titles, once the catalog is loaded (mixes ask for it from inside an answer),
    // with the song's entry (for its stored neighbours) among those given if the catalog has it.
    private SimilarResponse? Similar(string songId, int count, IReadOnlyDictionary<string, CatalogEntry> entries)
    {
        var key = (("similar", songId, count), Volatile.Read(ref _modelGeneration), _catalog.Generation);
        if (_cache.TryGetValue(key, out SimilarResponse? cached) && cached is not null)
        {
            return cached;
        }

        var similar = ComputeSimilar(songId, count, entries);
        if (similar is not null)
        {
            _cache.Set(key, similar, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = CacheFor, Size = 1 });
        }

        return similar;
    }

    private SimilarResponse? ComputeSimilar(string songId, int count, IReadOnlyDictionary<string, CatalogEntry> entries)
    {
        if (_holder.Current is { } model && model.Factors.Items.TryGetIndex(songId, out var item))
        {
            var similar = TopKScorer.SimilarItems(model.Factors, item, count);
            return new SimilarResponse(songId, "model", model.Version,
                [.. similar.Select(s => Item(null, model.Factors.Items[s.Item], s.Score, MixReasons.SimilarTo(songId)))]);
        }

        if ((entries.GetValueOrDefault(songId) ?? _catalog.Cached(songId)) is not { } entry)
        {
            return null;
        }

        return new SimilarResponse(songId, "co_occurrence", _holder.Current?.Version,
            [.. (entry.Neighbours ?? []).Take(count).Select(n => Item(null, n.Key, n.Value, "co_occurrence"))]);
    }

    /// <summary>Time-decayed popularity in the region (worldwide when null) over the window.</summary>
    public async Task<TrendingResponse> TrendingAsync(string? region, TimeSpan window, int count, CancellationToken cancellationToken = default)
    {
        var scores = await TrendingScoresAsync(region, window, cancellationToken);
        var entries = await _catalog.GetDetailsAsync(scores.Take(count).Select(s => s.SongId), cancellationToken);
        return new TrendingResponse(region, WindowName(window), [.. scores.Take(count).Select(s => Item(entries, s.SongId, s.Score, MixReasons.Trending))]);
    }

    /// <summary>The API name of a window.</summary>
    public static string WindowName(TimeSpan window) => window.TotalHours switch
    {
        1 => "1h",
        24 => "24h",
        _ => "7d",
    };

    private Task<IReadOnlyList<ScoredSong>> TrendingScoresAsync(string? region, TimeSpan window, CancellationToken cancellationToken) =>
        CachedAsync(("trending", region, window), cancellationToken, catalogKeyed: false, compute: async ct =>
        {
            var now = _timeProvider.GetUtcNow();
            var stats = new List<SongStat>();
            await foreach (var stat in _stats.ReadAsync(now - window, now.AddHours(1), region, ct))
            {
                stats.Add(stat);
            }

            return (IReadOnlyList<ScoredSong>)[.. TrendingScorer.Score(stats, now, window).Take(200)];
        });

    // Titles and artists from the details taken for the answer; none without them.
    private static SongItem Item(IReadOnlyDictionary<string, SongDetails>? entries, string songId, double score, string reason)
    {
        var details = entries?.GetValueOrDefault(songId);
        return new SongItem(songId, details?.Title, details?.Artist, Math.Round(score, 6), reason);
    }

    // "similar_to:{seed}" when the song's factors are close to one of the user's own songs, else "for_you".
    private static string ReasonFor(ServingModel model, string songId, int[] seeds)
    {
        if (!model.Factors.Items.TryGetIndex(songId, out var item) || seeds.Length == 0)
        {
            return MixReasons.ForYou;
        }

        var vector = model.Factors.ItemVector(item);
        var best = (Seed: -1, Similarity: SimilarReasonThreshold);
        foreach (var seed in seeds)
        {
            var similarity = TensorPrimitives.CosineSimilarity(vector, model.Factors.ItemVector(seed));
            if (similarity > best.Similarity)
            {
                best = (seed, similarity);
            }
        }

        // The factors may be mapped: the model stays reachable until they are read (FactorModel remarks).
        GC.KeepAlive(model);
        return best.Seed < 0 ? MixReasons.ForYou : MixReasons.SimilarTo(model.Factors.Items[best.Seed]);
    }

    // Erased marks the key too: once any instance erases the user, this one stops serving what it cached before.
    private (int Model, int User, bool Erased) UserKey(string userId) =>
        (Volatile.Read(ref _modelGeneration), _userGenerations.GetValueOrDefault(userId), _erasures.IsErased(userId));

    // Fresh for CacheFor; then answered stale for up to ServeStaleFor while one background
    // computation replaces it, so that a returning listener never waits for a ranking.
    // Keyed by the catalog's generation too, read once the catalog is loaded: an answer with titles
    // from before a change is not served after it.
    // Scores without titles (trending) need not follow the catalog.
    private async Task<T> CachedAsync<T>(object key, CancellationToken cancellationToken, Func<CancellationToken, Task<T>> compute, bool catalogKeyed = true)
    {
        await _catalog.WaitUntilLoadedAsync(cancellationToken);
        var catalog = catalogKeyed ? _catalog.Generation : -1;
        return await _answers.GetAsync((key, Volatile.Read(ref _modelGeneration), catalog), compute, CacheFor, ServeStaleFor, cancellationToken);
    }
}
