using Resso.Ml.Data;
using Resso.Ml.Mixes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Tests.Mixes;

/// <summary>
/// A small synthetic catalog for mix tests: 400 songs "s000"… in 8 taste clusters (song i in cluster i % 8),
/// by 80 artists (song i by "Artist {i % 80}", five songs each), a model whose song vectors follow the
/// clusters, and one listener who made videos with s002 (yesterday) and s001 (three days ago), liked s020
/// a lot, and watched s010–s014.
/// </summary>
internal static class MixWorld
{
    public const int SongCount = 400;
    public const int Artists = 80;
    public const string UserId = "u_42";

    public static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    public static FactorModel Model { get; } = ClusteredModel(SongCount, clusters: 8);

    public static string Song(int i) => $"s{i:D3}";

    public static int Index(string songId) => int.Parse(songId.AsSpan(1), provider: null);

    public static string ArtistOf(string songId) => $"Artist {Index(songId) % Artists}";

    public static SongDetails? Details(string songId) =>
        Model.Items.TryGetIndex(songId, out var i) ? new SongDetails($"Song {i}", $"Artist {i % Artists}", "Kopi Sound", 180_000, []) : null;

    public static IReadOnlyList<UserSongInteraction> History { get; } =
    [
        Interaction(Song(1), weight: 5, creates: 1, lastAt: Now.AddDays(-3)),
        Interaction(Song(2), weight: 20, creates: 3, lastAt: Now.AddDays(-1)),
        Interaction(Song(20), weight: 30, creates: 0, lastAt: Now.AddDays(-1)),
        .. Enumerable.Range(10, 5).Select(i => Interaction(Song(i), weight: 1, creates: 0, lastAt: Now.AddHours(-2))),
    ];

    /// <summary>A request with every input filled in: 300 recommendations, 120 trending songs, neighbours from the model.</summary>
    public static MixRequest Request() => new()
    {
        UserId = UserId,
        Now = Now,
        ModelVersion = "m-2026-11-24-01",
        Region = "ID",
        History = History,
        Model = Model,
        Recommendations = Recommendations(300),
        Trending = [.. Enumerable.Range(0, 120).Select(i => new ScoredSong(Song((i * 37) % SongCount), 120 - i))],
        SimilarSongs = Neighbours,
        Songs = Details,
    };

    /// <summary>
    /// <see cref="Request"/> for a listener who used each of these songs (never in a video) yesterday, and reach from
    /// <paramref name="reach"/> (song index → share of listeners; absent means unknown to the model).
    /// </summary>
    public static MixRequest Listener(IReadOnlyDictionary<int, double>? reach, params (int Song, double Weight)[] songs) => Request() with
    {
        History = [.. songs.Select(s => Interaction(Song(s.Song), s.Weight, creates: 0, lastAt: Now.AddDays(-1)))],
        SongReach = reach is null ? null : song => reach.TryGetValue(Index(song), out var share) ? share : 0,
    };

    public static IReadOnlyList<ScoredSong> Recommendations(int count)
    {
        // A taste for clusters 0 and 1, so that the plain top of the list is crowded.
        var d = Model.LatentDimension;
        var vector = new float[d];
        for (var k = 0; k < d; k++)
        {
            vector[k] = Model.ItemVector(0)[k] + (0.5f * Model.ItemVector(1)[k]);
        }

        return [.. TopKScorer.Recommend(Model, vector, count).Select(s => new ScoredSong(Model.Items[s.Item], s.Score))];
    }

    public static IReadOnlyList<ScoredSong> Neighbours(string songId) =>
        Model.Items.TryGetIndex(songId, out var item)
            ? [.. TopKScorer.SimilarItems(Model, item, 80).Select(s => new ScoredSong(Model.Items[s.Item], s.Score))]
            : [];

    /// <summary>Item i's vector is its cluster's centre plus noise; users are irrelevant here.</summary>
    public static FactorModel ClusteredModel(int items, int clusters, int dimension = 8, float noise = 0.35f, int seed = 7)
    {
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 2) - 1);
        var centres = Enumerable.Range(0, clusters).Select(_ => Enumerable.Range(0, dimension).Select(_ => Next()).ToArray()).ToArray();
        var factors = new float[items * dimension];
        for (var i = 0; i < items; i++)
        {
            for (var k = 0; k < dimension; k++)
            {
                factors[(i * dimension) + k] = centres[i % clusters][k] + (noise * Next());
            }
        }

        return new FactorModel(
            new IdMap(["user"]),
            new IdMap(Enumerable.Range(0, items).Select(Song)),
            dimension,
            new float[dimension],
            factors,
            [0f],
            new float[items]);
    }

    public static UserSongInteraction Interaction(string songId, double weight, int creates, DateTimeOffset lastAt) =>
        new(UserId, songId, weight, creates + 1, creates, 1, 0, 0, 0, lastAt.AddDays(-10), lastAt, null);
}
