using System.Numerics.Tensors;
using Resso.Shared.Catalog;

namespace Resso.Ml.Mixes;

/// <summary>
/// Assembles a listener's named mixes from lists the caller has already scored: "For you", "From your
/// videos", up to three "Because you used …" and "Trending in …". Pure and deterministic: the same
/// request on the same UTC day gives the same mixes.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>For you</b>: the first 500 recommendations (playable, and unless disabled not used by the user yet),
/// re-ranked by <see cref="MaximalMarginalRelevance"/> over the model's song vectors with the artist cap.</item>
/// <item><b>From your videos</b> (only for users who created a video): the songs they created with, most
/// recent first (then most used), at most <see cref="MixOptions.MaxCreatedSongs"/>; then their neighbours taken
/// round-robin (the best neighbour of each, then the second best…), deduplicated, with the artist cap.</item>
/// <item><b>Because you used</b>: seeds are the user's songs by seed weight <c>significance · log(1 / reach)</c>, significance being
/// <c>weight · 2^(−days from the last event to the start of the UTC day / SeedHalfLifeDays)</c>; for each of the best (at most three times
/// as many tried as mixes wanted, one seed per artist) its neighbours without the seed itself, without
/// songs the user used (unless disabled), with the artist cap. The title says "used" when the user made
/// a video with the seed and "listened to" otherwise.</item>
/// <item><b>Trending in {country}</b>: the trending list with the artist cap.</item>
/// </list>
/// Every mix has <see cref="MixOptions.Tracks"/> tracks when the inputs allow; a mix that cannot reach
/// <see cref="MixOptions.MinimumTracks"/> (≥ 20) is left out rather than shown short. For daily freshness the
/// tracks after the first (after the user's own songs in "From your videos") are reordered within bands of
/// <see cref="MixOptions.ShuffleBand"/> by a hash of (user, UTC date, model version, user state, mix, song):
/// which songs are in a mix depends only on the scores; their order moves a little each day.
/// <para>
/// Seeds by what is distinctive about the listener: a light listener's most used songs are the global hits, whose
/// neighbours are other hits and say nothing of their taste. The factor is TF-IDF's inverse document frequency, with
/// reach = <see cref="MixRequest.SongReach"/> (the share of all listeners who used the song, at most 1, at least 1/N when it
/// comes from training data). Chosen over lift (<c>significance / reach</c>) because the logarithm damps rarity: under lift
/// a song one other listener touched once outweighs one the listener used fifty times; under IDF a hit still seeds when the
/// listener used it far more than their niche songs. No constant is involved, so nothing is fitted to any one world. A song
/// everyone used (reach 1) weighs 0 and seeds only after every other, by significance; so a listener with nothing but
/// such songs still gets seeds, in the old order. With reach, a song among the first <see cref="MixOptions.Tracks"/> playable
/// songs of <see cref="MixRequest.Trending"/> (the top of the listener's chart) seeds only when no other song of the listener makes a mix:
/// the chart is the product's own line between a hit and the rest, so no threshold on reach is needed. Songs without a known reach take the median reach of the listener's
/// known songs (neutral: neither rare nor common for this listener); when none is known, or without
/// <see cref="MixRequest.SongReach"/>, seeds go by significance alone. Ties go by significance, then song id.
/// </para>
/// </remarks>
public sealed class MixBuilder
{
    /// <summary>MMR is quadratic-ish in the candidates; beyond this many the tail would not be picked anyway.</summary>
    private const int MaxForYouCandidates = 500;

    private readonly MixOptions _options;

    /// <summary>Creates a builder.</summary>
    /// <param name="options">Settings; the defaults when null.</param>
    /// <exception cref="ArgumentException">The options are out of range.</exception>
    public MixBuilder(MixOptions? options = null)
    {
        _options = options ?? new MixOptions();
        var errors = _options.Errors().ToList();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }
    }

    /// <summary>Every mix the inputs allow: For you, From your videos, Because you used …, Trending.</summary>
    public IReadOnlyList<Mix> Build(MixRequest request)
    {
        var context = new Context(request, _options);
        var mixes = new List<Mix>();
        if (ForYou(context) is { } forYou)
        {
            mixes.Add(forYou);
        }

        if (FromYourVideos(context) is { } fromVideos)
        {
            mixes.Add(fromVideos);
        }

        mixes.AddRange(BecauseYouUsed(context));
        if (Trending(context) is { } trending)
        {
            mixes.Add(trending);
        }

        return mixes;
    }

    /// <summary>The "For you" mix, or null when there are too few candidates.</summary>
    public Mix? ForYou(MixRequest request) => ForYou(new Context(request, _options));

    /// <summary>The "From your videos" mix, or null when the user created no video or it stays too short.</summary>
    public Mix? FromYourVideos(MixRequest request) => FromYourVideos(new Context(request, _options));

    /// <summary>The "Because you used …" mixes, best seed first; possibly none.</summary>
    public IReadOnlyList<Mix> BecauseYouUsed(MixRequest request) => BecauseYouUsed(new Context(request, _options));

    /// <summary>The "Trending in …" mix, or null when the trending list is too short.</summary>
    public Mix? Trending(MixRequest request) => Trending(new Context(request, _options));

    /// <summary>
    /// The songs whose neighbours <see cref="Build"/> may ask <see cref="MixRequest.SimilarSongs"/> for (the
    /// user's created songs and seed candidates), so that a caller can load stored neighbour lists first.
    /// <see cref="MixRequest.SimilarSongs"/> is not needed for this.
    /// </summary>
    public IReadOnlyList<string> SongsNeedingNeighbours(MixRequest request)
    {
        var context = new Context(request, _options);
        var (seeds, fallback) = SeedCandidates(context);
        return [.. CreatedSongs(context).Concat(seeds).Concat(fallback).Select(s => s.SongId).Distinct(StringComparer.Ordinal)];
    }

    private Mix? ForYou(Context context)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var candidates = new List<ScoredSong>();
        foreach (var candidate in context.Request.Recommendations)
        {
            if (candidates.Count >= MaxForYouCandidates)
            {
                break;
            }

            if (!string.IsNullOrEmpty(candidate.SongId) && double.IsFinite(candidate.Score) && !context.IsExcluded(candidate.SongId)
                && context.IsPlayable(candidate.SongId) && seen.Add(candidate.SongId))
            {
                candidates.Add(candidate);
            }
        }

        if (candidates.Count < _options.MinimumTracks)
        {
            return null;
        }

        var model = context.Request.Model;
        var d = model?.LatentDimension ?? 0;
        var rows = new float[candidates.Count * d];
        var scores = new float[candidates.Count];
        var artists = new string?[candidates.Count];
        for (var k = 0; k < candidates.Count; k++)
        {
            var song = candidates[k].SongId;
            scores[k] = (float)candidates[k].Score;
            artists[k] = context.Artist(song);
            if (model is not null && model.Items.TryGetIndex(song, out var item) && model.ItemNorms[item] is var norm and > 0)
            {
                TensorPrimitives.Multiply(model.ItemVector(item), 1f / norm, rows.AsSpan(k * d, d));
            }
        }

        // The factors may be mapped: the model stays reachable until they are read (FactorModel remarks).
        GC.KeepAlive(model);

        var picks = MaximalMarginalRelevance.Select(scores, rows, d, artists, _options.MaxPerArtist, _options.Tracks, _options.Lambda);
        if (picks.Count < _options.MinimumTracks)
        {
            return null;
        }

        var tracks = picks.ConvertAll(p => new MixTrack(candidates[p].SongId, scores[p], MixReasons.ForYou));
        context.Shuffle(tracks, 1, MixKinds.ForYou);
        // Only creators are told about "the videos you make": most listeners make none.
        var from = context.IsCreator ? "Songs picked for you from the videos you make and watch" : "Songs picked for you from the videos you watch";
        return new Mix(MixKinds.ForYou, MixKinds.ForYou, "For you", context.Describe(from, tracks), tracks);
    }

    private Mix? FromYourVideos(Context context)
    {
        var created = CreatedSongs(context);
        if (created.Count == 0)
        {
            return null;
        }

        var collector = new Collector(context);
        foreach (var song in created)
        {
            collector.TryAdd(song.SongId, song.Significance, MixReasons.UsedInYourVideos, ignoreArtistCap: true);
        }

        var own = collector.Tracks.Count;
        var lists = created.ConvertAll(s => (Seed: s.SongId, Neighbours: context.SimilarTo(s.SongId)));
        var longest = lists.Max(l => l.Neighbours.Count);
        for (var rank = 0; rank < longest && !collector.IsFull; rank++)
        {
            foreach (var (seed, neighbours) in lists)
            {
                if (rank < neighbours.Count)
                {
                    collector.TryAdd(neighbours[rank].SongId, neighbours[rank].Score, MixReasons.SimilarTo, seed);
                }
            }
        }

        var tracks = collector.Tracks;
        if (tracks.Count < _options.MinimumTracks)
        {
            return null;
        }

        context.Shuffle(tracks, Math.Max(own, 1), MixKinds.FromYourVideos);
        return new Mix(MixKinds.FromYourVideos, MixKinds.FromYourVideos, "From your videos", context.Describe("The songs from your videos and more like them", tracks), tracks);
    }

    private List<Mix> BecauseYouUsed(Context context)
    {
        var (seeds, fallback) = SeedCandidates(context);
        var mixes = BecauseYouUsed(context, seeds);
        return mixes.Count > 0 ? mixes : BecauseYouUsed(context, fallback);
    }

    private List<Mix> BecauseYouUsed(Context context, IEnumerable<UserSong> seeds)
    {
        var mixes = new List<Mix>();
        var seedArtists = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var seed in seeds)
        {
            if (mixes.Count >= _options.BecauseYouUsedMixes)
            {
                break;
            }

            var artist = context.Artist(seed.SongId);
            if (artist is not null && seedArtists.Contains(artist))
            {
                continue;
            }

            var collector = new Collector(context);
            foreach (var neighbour in context.SimilarTo(seed.SongId))
            {
                if (collector.IsFull)
                {
                    break;
                }

                // The collector never takes the seed itself.
                if (!context.IsExcluded(neighbour.SongId))
                {
                    collector.TryAdd(neighbour.SongId, neighbour.Score, MixReasons.SimilarTo, seed.SongId);
                }
            }

            var tracks = collector.Tracks;
            if (tracks.Count < _options.MinimumTracks)
            {
                continue;
            }

            var id = MixKinds.BecauseYouUsed + ":" + seed.SongId;
            context.Shuffle(tracks, 1, id);
            var title = context.Title(seed.SongId);
            var like = artist is null ? $"More songs like {title}" : $"More songs like {title} by {artist}";
            mixes.Add(new Mix(
                id,
                MixKinds.BecauseYouUsed,
                seed.Creates > 0 ? $"Because you used {title}" : $"Because you listened to {title}",
                context.Describe(like, tracks),
                tracks));
            if (artist is not null)
            {
                seedArtists.Add(artist);
            }
        }

        return mixes;
    }

    private Mix? Trending(Context context)
    {
        var collector = new Collector(context);
        foreach (var song in context.Request.Trending)
        {
            if (collector.IsFull)
            {
                break;
            }

            collector.TryAdd(song.SongId, song.Score, MixReasons.TrendingIn);
        }

        var tracks = collector.Tracks;
        if (tracks.Count < _options.MinimumTracks)
        {
            return null;
        }

        var region = string.IsNullOrWhiteSpace(context.Request.Region) ? null : context.Request.Region.Trim().ToUpperInvariant();
        var id = region is null ? MixKinds.Trending : MixKinds.Trending + ":" + region;
        context.Shuffle(tracks, 1, id);
        var where = region is null ? null : CountryNames.InSentence(region);
        return new Mix(
            id,
            MixKinds.Trending,
            where is null ? "Trending worldwide" : $"Trending in {where}",
            context.Describe(where is null ? "What short videos everywhere are using right now" : $"What short videos in {where} are using right now", tracks),
            tracks);
    }

    /// <summary>The user's playable created songs, most recent first, then most used, then by id.</summary>
    private List<UserSong> CreatedSongs(Context context) =>
        [.. context.Songs
            .Where(s => s.Creates > 0 && context.IsPlayable(s.SongId))
            .OrderByDescending(s => s.LastAt).ThenByDescending(s => s.Creates).ThenBy(s => s.SongId, StringComparer.Ordinal)
            .Take(_options.MaxCreatedSongs)];

    /// <summary>
    /// The user's songs worth a "Because you used" mix, by seed weight (class remarks), best first; and the chart songs to seed
    /// from only when none of those makes a mix.
    /// </summary>
    private (List<UserSong> Seeds, List<UserSong> Fallback) SeedCandidates(Context context)
    {
        var tried = 3 * _options.BecauseYouUsedMixes;
        var songs = context.Songs.Where(s => s.Significance > 0).ToList();
        if (context.Request.SongReach is not { } reach)
        {
            return ([.. songs.Take(tried)], []);
        }

        // A song at the top of the listener's chart already has its mix, "Trending in …", and its neighbours are the other hits:
        // it seeds only when the listener has nothing else.
        var chart = context.Request.Trending.Select(t => t.SongId).Where(context.IsPlayable).Take(_options.Tracks).ToHashSet(StringComparer.Ordinal);
        var ordered = BySeedWeight(songs, reach).ToList();
        return ([.. ordered.Where(s => !chart.Contains(s.SongId)).Take(tried)], [.. ordered.Where(s => chart.Contains(s.SongId)).Take(tried)]);
    }

    /// <summary>Orders songs (given most significant first) by significance · log(1 / reach); unchanged without reaches.</summary>
    private static IEnumerable<UserSong> BySeedWeight(List<UserSong> songs, Func<string, double> songReach)
    {

        var reaches = songs.ConvertAll(s => songReach(s.SongId) is var r && double.IsFinite(r) && r > 0 ? Math.Min(r, 1) : double.NaN);
        var known = reaches.Where(double.IsFinite).Order().ToList();
        if (known.Count == 0)
        {
            return songs;
        }

        var median = known.Count % 2 == 1 ? known[known.Count / 2] : (known[(known.Count / 2) - 1] + known[known.Count / 2]) / 2;
        return songs
            .Select((song, i) => (Song: song, Weight: song.Significance * -Math.Log(double.IsFinite(reaches[i]) ? reaches[i] : median)))
            .OrderByDescending(s => s.Weight).ThenByDescending(s => s.Song.Significance).ThenBy(s => s.Song.SongId, StringComparer.Ordinal)
            .Select(s => s.Song);
    }

    /// <summary>One of the user's songs, their interactions with it summed.</summary>
    private sealed record UserSong(string SongId, double Significance, int Creates, DateTimeOffset LastAt);

    /// <summary>A request with what every mix needs derived once.</summary>
    private sealed class Context
    {
        private readonly Dictionary<string, SongDetails?> _details = new(StringComparer.Ordinal);
        private readonly HashSet<string> _used;
        private readonly ulong _seed;

        public Context(MixRequest request, MixOptions options)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (string.IsNullOrEmpty(request.UserId))
            {
                throw new ArgumentException("The request needs a user id.", nameof(request));
            }

            Request = request;
            Options = options;
            var history = request.History ?? [];
            _used = history.Select(h => h.SongId).ToHashSet(StringComparer.Ordinal);
            var halfLifeDays = options.SeedHalfLifeDays;

            // Significance is taken at the start of the UTC day, so that mixes do not drift during the day.
            var day = DateOnly.FromDateTime(request.Now.UtcDateTime);
            var dayStart = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            Songs =
            [
                .. history
                    .GroupBy(h => h.SongId, StringComparer.Ordinal)
                    .Select(g =>
                    {
                        var lastAt = g.Max(h => h.LastAt);
                        var days = Math.Max(0, (dayStart - lastAt).TotalDays);
                        var weight = g.Sum(h => h.Weight);
                        return new UserSong(g.Key, weight * Math.Pow(2, -days / halfLifeDays), g.Sum(h => h.Creates), lastAt);
                    })
                    .OrderByDescending(s => s.Significance).ThenBy(s => s.SongId, StringComparer.Ordinal),
            ];
            IsCreator = history.Any(h => h.Creates > 0);
            var state = request.UserState ?? history.Sum(h => (long)h.Count);
            _seed = MixSeed.Of(request.UserId, day, request.ModelVersion ?? "", state);
        }

        public MixRequest Request { get; }

        public MixOptions Options { get; }

        /// <summary>The user's songs, most significant first.</summary>
        public IReadOnlyList<UserSong> Songs { get; }

        /// <summary>Whether the user made any video (with any song): only creators are told about their videos.</summary>
        public bool IsCreator { get; }

        public bool IsExcluded(string songId) => Options.ExcludeUsedSongs && _used.Contains(songId);

        public bool IsPlayable(string songId) => Request.IsPlayable?.Invoke(songId) ?? true;

        public IReadOnlyList<ScoredSong> SimilarTo(string songId) => Request.SimilarSongs?.Invoke(songId) ?? [];

        public string Title(string songId) => Details(songId)?.Title is { } title && !string.IsNullOrWhiteSpace(title) ? title.Trim() : songId;

        public string? Artist(string songId) => Details(songId)?.Artist is { } artist && !string.IsNullOrWhiteSpace(artist) ? artist.Trim() : null;

        /// <summary>"{text}: A, B, C and more." with the first three artists of the mix, or "{text}." without any.</summary>
        public string Describe(string text, IReadOnlyList<MixTrack> tracks)
        {
            var artists = tracks.Select(t => Artist(t.SongId)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Take(3).ToList();
            return artists.Count == 0 ? text + "." : $"{text}: {string.Join(", ", artists)} and more.";
        }

        /// <summary>Reorders the tracks from <paramref name="start"/> on within bands, by a hash seeded for this user, day and mix.</summary>
        public void Shuffle(List<MixTrack> tracks, int start, string mixId)
        {
            var band = Options.ShuffleBand;
            if (band <= 1 || tracks.Count - start < 2)
            {
                return;
            }

            var seed = MixSeed.Hash(_seed, mixId);
            var keys = tracks.ConvertAll(t => MixSeed.Hash(seed, t.SongId)).ToArray();
            var items = tracks.ToArray();
            for (var from = start; from < items.Length; from += band)
            {
                Array.Sort(keys, items, from, Math.Min(band, items.Length - from));
            }

            tracks.Clear();
            tracks.AddRange(items);
        }

        private SongDetails? Details(string songId)
        {
            if (!_details.TryGetValue(songId, out var details))
            {
                details = Request.Songs?.Invoke(songId);
                _details[songId] = details;
            }

            return details;
        }
    }

    /// <summary>Adds tracks to a mix: each song once, playable only, the artist cap, up to the mix length.</summary>
    private sealed class Collector(Context context)
    {
        private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _perArtist = new(StringComparer.OrdinalIgnoreCase);

        public List<MixTrack> Tracks { get; } = new(context.Options.Tracks);

        public bool IsFull => Tracks.Count >= context.Options.Tracks;

        public bool TryAdd(string songId, double score, string reason, string? seed = null, bool ignoreArtistCap = false)
        {
            // A song is never shown as similar to itself.
            if (IsFull || string.IsNullOrEmpty(songId) || !double.IsFinite(score) || _seen.Contains(songId) || !context.IsPlayable(songId)
                || string.Equals(songId, seed, StringComparison.Ordinal))
            {
                return false;
            }

            if (context.Artist(songId) is { } artist)
            {
                var count = _perArtist.GetValueOrDefault(artist);
                if (!ignoreArtistCap && count >= context.Options.MaxPerArtist)
                {
                    return false;
                }

                _perArtist[artist] = count + 1;
            }

            _seen.Add(songId);
            Tracks.Add(new MixTrack(songId, (float)score, reason, seed));
            return true;
        }
    }
}
