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
/// <param name="Score">From 0 to 1, higher is better; what it measures depends on the list and the reason (docs/listeners.md, "Scores").</param>
/// <param name="Reason">Why it is there, ready to show.</param>
public sealed record SongItem(string SongId, string? Title, string? Artist, double Score, SongReason Reason);

/// <summary>Why a song is in a list, as an app shows it: a kind, an English sentence, and the song or region it refers to.</summary>
/// <param name="Kind">One of <see cref="ReasonKinds"/>.</param>
/// <param name="Text">English, ready to show, e.g. "Similar to Midnight Drive by Nova".</param>
/// <param name="SongId">For <c>similar_to</c>, the listener's song (or for similar songs, the song asked about) it is like; never the item itself. Otherwise null.</param>
/// <param name="Title">That song's title, when the catalog has it.</param>
/// <param name="Artist">That song's artist, when the catalog has it.</param>
/// <param name="Region">For <c>trending_in</c>, the region (null: worldwide). Otherwise null.</param>
public sealed record SongReason(string Kind, string Text, string? SongId = null, string? Title = null, string? Artist = null, string? Region = null);

/// <summary>The kinds of <see cref="SongReason"/>.</summary>
public static class ReasonKinds
{
    /// <summary>The model picked it for the listener.</summary>
    public const string ForYou = MixReasons.ForYou;

    /// <summary>It is like <see cref="SongReason.SongId"/>, one of the listener's songs (for similar songs: the song asked about).</summary>
    public const string SimilarTo = MixReasons.SimilarTo;

    /// <summary>The listener made a video with it.</summary>
    public const string UsedInYourVideos = MixReasons.UsedInYourVideos;

    /// <summary>The listener watched, liked, shared or saved videos with it (recommendations with <c>excludeUsed=false</c>).</summary>
    public const string InYourHistory = "in_your_history";

    /// <summary>It is trending in <see cref="SongReason.Region"/>, or worldwide.</summary>
    public const string TrendingIn = MixReasons.TrendingIn;
}

/// <summary>Where the region of an answer came from.</summary>
public static class RegionSources
{
    /// <summary>The request's <c>region</c>.</summary>
    public const string Request = "request";

    /// <summary>Inferred from the listener's counted events (<see cref="RegionInference"/>).</summary>
    public const string Events = "events";
}

/// <summary><c>GET /api/users/{userId}/recommendations</c>.</summary>
/// <param name="UserId">The listener.</param>
/// <param name="ModelVersion">The model that ranked them; null for the trending fallback before any model.</param>
/// <param name="Personalized">False when the user is unknown and trending is served instead.</param>
/// <param name="Region">The region filter: the request's, else inferred from the listener's events; null for neither.</param>
/// <param name="RegionSource"><c>request</c>, <c>events</c>, or null when there is no region.</param>
/// <param name="Items">Best first.</param>
public sealed record RecommendationsResponse(string UserId, string? ModelVersion, bool Personalized, string? Region, string? RegionSource, IReadOnlyList<SongItem> Items);

/// <summary>A mix as shown to the listener.</summary>
public sealed record MixView(string Id, string Kind, string Title, string Description, IReadOnlyList<SongItem> Tracks);

/// <summary><c>GET /api/users/{userId}/mixes</c>.</summary>
/// <param name="UserId">The listener.</param>
/// <param name="ModelVersion">The served model.</param>
/// <param name="Region">The region: the request's, else inferred from the listener's events; null for neither (a worldwide chart).</param>
/// <param name="RegionSource"><c>request</c>, <c>events</c>, or null when there is no region.</param>
/// <param name="Mixes">The mixes.</param>
public sealed record MixesResponse(string UserId, string? ModelVersion, string? Region, string? RegionSource, IReadOnlyList<MixView> Mixes);

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
            var events = await _interactions.GetUserEventsAsync(userId, ct);
            var (where, source) = Region(region, events);
            var result = await _recommender.RecommendAsync(userId, events, count, where, excludeUsed, ct);
            if (result is null || _holder.Current is not { } model)
            {
                var trending = await TrendingAsync(where, TimeSpan.FromHours(24), count, ct);
                return new RecommendationsResponse(userId, _holder.Current?.Version, false, where, source, trending.Items);
            }

            // A song of the listener's own is there for that (with excludeUsed=false), never as similar to itself.
            var created = events.Where(e => e.Action == SongAction.Create).Select(e => e.SongId).ToHashSet(StringComparer.Ordinal);
            var seeds = result.UsedSongs.Select(s => model.Factors.Items.IndexOf(s)).Where(i => i >= 0).Take(50).ToArray();
            var reasons = result.Songs.Select((string Kind, string? Seed) (s) =>
                created.Contains(s.SongId) ? (ReasonKinds.UsedInYourVideos, null)
                : result.UsedSongs.Contains(s.SongId) ? (ReasonKinds.InYourHistory, null)
                : SimilarSeed(model, s.SongId, seeds) is { } seed ? (ReasonKinds.SimilarTo, seed)
                : (ReasonKinds.ForYou, null)).ToList();
            var entries = await _catalog.GetDetailsAsync(result.Songs.Select(s => s.SongId).Concat(reasons.Select(r => r.Seed).OfType<string>()), ct);
            return new RecommendationsResponse(userId, result.ModelVersion, true, where, source,
                [.. result.Songs.Zip(reasons, (s, r) => Item(entries, s.SongId, Logistic(s.Score), Reason(entries, r.Kind, r.Seed)))]);
        });

    // The request's region, else where the listener's events say they are.
    private (string? Region, string? Source) Region(string? region, IReadOnlyCollection<SongUsedEvent> events) =>
        region is not null ? (region, RegionSources.Request)
        : RegionInference.FromEvents(events, _timeProvider.GetUtcNow()) is { } inferred ? (inferred, RegionSources.Events)
        : (null, null);

    /// <summary>The user's mixes: for you, from your videos, trending in the region, because you used….</summary>
    public Task<MixesResponse> MixesAsync(string userId, string? region, CancellationToken cancellationToken = default) =>
        CachedAsync(("mixes", userId, region, UserKey(userId), DateOnly.FromDateTime(_timeProvider.GetUtcNow().UtcDateTime)), cancellationToken, async ct =>
        {
            var model = _holder.Current;
            var events = await _interactions.GetUserEventsAsync(userId, ct);
            var (where, source) = Region(region, events);
            var history = _interactions.Aggregate(events);
            var recommendations = await _recommender.RecommendAsync(userId, events, Candidates, where, excludeUsed: false, ct);
            var trending = await TrendingScoresAsync(where, TimeSpan.FromHours(24), ct);
            var request = new MixRequest
            {
                UserId = userId,
                Now = _timeProvider.GetUtcNow(),
                ModelVersion = model?.Version ?? "",
                Region = where,
                History = history,
                Recommendations = recommendations is null ? [] : [.. recommendations.Songs.Select(s => new ScoredSong(s.SongId, s.Score))],
                Model = model?.Factors,
                Trending = trending,
                // Seeds by what sets the listener apart: how few of the model's listeners used each song.
                SongReach = model?.Pipeline?.SongReach(),
                // What ranking needs of every candidate (artist, regions) is in the compact snapshot, without I/O.
                IsPlayable = where is null ? null : songId => _catalog.IsPlayable(songId, where),
            };

            // Full entries of the seeds first, in one batch: their titles name mixes, their stored neighbours fill them.
            var seeds = await _catalog.GetManyAsync(_mixes.SongsNeedingNeighbours(request), ct);
            request = request with
            {
                SimilarSongs = songId => Similar(songId, 30, seeds)?.Items.Select(i => new ScoredSong(i.SongId, i.Score)).ToList() ?? [],
                Songs = songId => seeds.TryGetValue(songId, out var seed) ? seed.Details : _catalog.RankingDetails(songId),
            };
            var mixes = _mixes.Build(request);
            var tracks = mixes.SelectMany(m => m.Tracks);
            var entries = await _catalog.GetDetailsAsync(tracks.Select(t => t.SongId).Concat(tracks.Select(t => t.Seed).OfType<string>()), ct);
            var topTrending = trending.Count > 0 ? trending[0].Score : 0;
            return new MixesResponse(userId, model?.Version, where, source,
            [
                .. mixes.Select(m =>
                {
                    // The user's own songs by their weight relative to the heaviest of them in the mix.
                    var topOwn = m.Tracks.Where(t => t.Reason == MixReasons.UsedInYourVideos).Select(t => (double)t.Score).DefaultIfEmpty(0).Max();
                    return new MixView(m.Id, m.Kind, m.Title, m.Description,
                        [.. m.Tracks.Select(t => Item(entries, t.SongId, TrackScore(t, topOwn, topTrending), Reason(entries, t.Reason, t.Seed, where)))]);
                }),
            ]);
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

        var entries = await _catalog.GetDetailsAsync(similar.Items.Select(i => i.SongId).Append(songId), cancellationToken);
        var reason = Reason(entries, ReasonKinds.SimilarTo, songId);
        return similar with { Items = [.. similar.Items.Select(i => Item(entries, i.SongId, i.Score, reason))] };
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
        // Without titles here: SimilarAsync names the song with its details, and mixes read only the scores.
        var reason = Reason(null, ReasonKinds.SimilarTo, songId);
        if (_holder.Current is { } model && model.Factors.Items.TryGetIndex(songId, out var item))
        {
            var similar = TopKScorer.SimilarItems(model.Factors, item, count);
            return new SimilarResponse(songId, "model", model.Version,
                [.. similar.Select(s => Item(null, model.Factors.Items[s.Item], Unit(s.Score), reason))]);
        }

        if ((entries.GetValueOrDefault(songId) ?? _catalog.Cached(songId)) is not { } entry)
        {
            return null;
        }

        return new SimilarResponse(songId, "co_occurrence", _holder.Current?.Version,
            [.. (entry.Neighbours ?? []).Take(count).Select(n => Item(null, n.Key, Unit(n.Value), reason))]);
    }

    /// <summary>Time-decayed popularity in the region (worldwide when null) over the window.</summary>
    public async Task<TrendingResponse> TrendingAsync(string? region, TimeSpan window, int count, CancellationToken cancellationToken = default)
    {
        var scores = await TrendingScoresAsync(region, window, cancellationToken);
        var entries = await _catalog.GetDetailsAsync(scores.Take(count).Select(s => s.SongId), cancellationToken);
        var top = scores.Count > 0 ? scores[0].Score : 0;
        var reason = Reason(null, ReasonKinds.TrendingIn, region: region);
        return new TrendingResponse(region, WindowName(window), [.. scores.Take(count).Select(s => Item(entries, s.SongId, Share(s.Score, top), reason))]);
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
    private static SongItem Item(IReadOnlyDictionary<string, SongDetails>? entries, string songId, double score, SongReason reason)
    {
        var details = entries?.GetValueOrDefault(songId);
        return new SongItem(songId, details?.Title, details?.Artist, Math.Round(score, 6), reason);
    }

    // A reason as the listener reads it, naming the song it refers to by title when the details have it.
    private static SongReason Reason(IReadOnlyDictionary<string, SongDetails>? entries, string kind, string? seed = null, string? region = null)
    {
        switch (kind)
        {
            case ReasonKinds.SimilarTo when seed is not null:
                var details = entries?.GetValueOrDefault(seed);
                var title = string.IsNullOrWhiteSpace(details?.Title) ? null : details.Title.Trim();
                var artist = string.IsNullOrWhiteSpace(details?.Artist) ? null : details.Artist.Trim();
                var text = title is null ? "Similar to a song you played" : artist is null ? $"Similar to {title}" : $"Similar to {title} by {artist}";
                return new SongReason(kind, text, seed, title, artist);
            case ReasonKinds.TrendingIn:
                return new SongReason(kind, region is null ? "Trending worldwide" : $"Trending in {CountryNames.InSentence(region)}", Region: region);
            case ReasonKinds.UsedInYourVideos:
                return new SongReason(kind, "In your videos");
            case ReasonKinds.InYourHistory:
                return new SongReason(kind, "You played it before");
            default:
                return new SongReason(ReasonKinds.ForYou, "Picked for you");
        }
    }

    // Scores on the documented 0–1 scale (docs/listeners.md, "Scores"):
    // model scores through the logistic function (monotonic, so the order is the model's),
    private static double Logistic(double score) => 1 / (1 + Math.Exp(-score));

    // similarities clamped at 0 (a negative cosine is as unrelated as 0),
    private static double Unit(double similarity) => Math.Clamp(similarity, 0, 1);

    // and counts or weights as a share of the list's largest.
    private static double Share(double score, double top) => top > 0 ? Math.Clamp(score / top, 0, 1) : 0;

    private static double TrackScore(MixTrack track, double topOwn, double topTrending) => track.Reason switch
    {
        MixReasons.ForYou => Logistic(track.Score),
        MixReasons.SimilarTo => Unit(track.Score),
        MixReasons.UsedInYourVideos => Share(track.Score, topOwn),
        _ => Share(track.Score, topTrending),
    };

    // One of the user's own songs whose factors are close (cosine ≥ 0.6) to the song's, the closest; null for none.
    private static string? SimilarSeed(ServingModel model, string songId, int[] seeds)
    {
        if (!model.Factors.Items.TryGetIndex(songId, out var item) || seeds.Length == 0)
        {
            return null;
        }

        var vector = model.Factors.ItemVector(item);
        var best = (Seed: -1, Similarity: SimilarReasonThreshold);
        foreach (var seed in seeds)
        {
            if (seed == item)
            {
                continue;
            }

            var similarity = TensorPrimitives.CosineSimilarity(vector, model.Factors.ItemVector(seed));
            if (similarity > best.Similarity)
            {
                best = (seed, similarity);
            }
        }

        // The factors may be mapped: the model stays reachable until they are read (FactorModel remarks).
        GC.KeepAlive(model);
        return best.Seed < 0 ? null : model.Factors.Items[best.Seed];
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
