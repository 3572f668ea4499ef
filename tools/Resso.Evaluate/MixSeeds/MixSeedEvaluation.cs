using System.Globalization;
using System.Text;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Mixes;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;

namespace Resso.Evaluate.MixSeeds;

/// <summary>One listener's "Because you used" mixes under one seed rule, scored against their true taste.</summary>
/// <param name="Mixes">Seeded mixes built.</param>
/// <param name="TasteTracks">Tracks whose cluster is the listener's favourite or second.</param>
/// <param name="Tracks">Tracks in all the mixes.</param>
/// <param name="HitSeeds">Seeds that are global top-20 songs.</param>
/// <param name="TasteShare">Mean over the mixes of the share of tracks in taste; NaN without a mix.</param>
/// <param name="FirstTasteShare">The first (best-seeded) mix's share of tracks in taste; NaN without a mix.</param>
internal sealed record ListenerMixes(int Mixes, int TasteTracks, int Tracks, int HitSeeds, double TasteShare, double FirstTasteShare);

/// <summary>One seed rule over a group of listeners.</summary>
/// <param name="SeededListeners">Listeners with at least one seeded mix.</param>
/// <param name="Mixes">Seeded mixes.</param>
/// <param name="TasteShareOverListeners">Mean over seeded listeners of their mixes' share of tracks in taste, with a 95 % bootstrap interval.</param>
/// <param name="TasteShareOverMixes">Tracks in taste over all tracks of all mixes.</param>
/// <param name="HitSeedShare">Seeds that are global top-20 songs, over all seeds.</param>
/// <param name="FirstMixTasteShare">Mean over seeded listeners of their first mix's share of tracks in taste.</param>
internal sealed record SeedRuleReport(int SeededListeners, int Mixes, PairedDifference TasteShareOverListeners, double TasteShareOverMixes, double HitSeedShare,
    double FirstMixTasteShare);

/// <summary>Before (seeds by significance) and after (by significance · log(1 / reach)) for a group of listeners.</summary>
/// <param name="Group">"all", "creators" or "non-creators".</param>
/// <param name="Listeners">Listeners in the group.</param>
/// <param name="Before">Seeds without reach.</param>
/// <param name="After">Seeds with the pipeline's reach.</param>
/// <param name="Difference">After − before of the listener's taste share, over listeners seeded both times, with a paired 95 % bootstrap interval.</param>
internal sealed record MixSeedGroupReport(string Group, int Listeners, SeedRuleReport Before, SeedRuleReport After, PairedDifference Difference);

/// <summary>
/// Builds "Because you used …" mixes the way the served path does (the model's 30 nearest songs as neighbours, the catalog's
/// artists and regions) for a deterministic sample of listeners, once without and once with song reach, and scores their
/// tracks and seeds against the world's ground truth.
/// </summary>
internal static class MixSeedEvaluation
{
    /// <summary>Neighbours per seed, as ListenerService asks the model for.</summary>
    public const int Neighbours = 30;

    /// <summary>Songs at a popularity rank below this are global hits.</summary>
    public const int HitRank = 20;

    /// <summary>
    /// The export has no times: every song of a listener gets this last event time (and the request is made then), so that
    /// recency weighs every song alike and significance is the summed weight.
    /// </summary>
    public static readonly DateTimeOffset LastEvent = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Every k-th listener (by id) with an interaction and a truth row, k = eligible / count, at most <paramref name="count"/>.</summary>
    public static List<string> Sample(InteractionData data, MixSeedWorld world, int count)
    {
        var eligible = Enumerable.Range(0, data.UserCount)
            .Where(u => data.CountOf(u) > 0 && world.Listeners.ContainsKey(data.Users[u]))
            .Select(u => data.Users[u])
            .Order(StringComparer.Ordinal)
            .ToList();
        var step = Math.Max(1, eligible.Count / Math.Max(1, count));
        return [.. eligible.Where((_, i) => i % step == 0).Take(count)];
    }

    /// <summary>Both seed rules for each listener of <paramref name="listeners"/>, aligned with it.</summary>
    /// <param name="data">Every interaction of the world (the listener's history).</param>
    /// <param name="world">The ground truth.</param>
    /// <param name="factors">The served song vectors (neighbours).</param>
    /// <param name="songReach">Reach for the "after" rule.</param>
    /// <param name="chart">The trending list every listener gets (the export has no times: the caller ranks by listeners).</param>
    /// <param name="listeners">The listeners.</param>
    public static (List<ListenerMixes> Before, List<ListenerMixes> After) Run(InteractionData data, MixSeedWorld world, FactorModel factors,
        Func<string, double> songReach, IReadOnlyList<ScoredSong> chart, IReadOnlyList<string> listeners)
    {
        var neighbours = new Dictionary<string, IReadOnlyList<ScoredSong>>(StringComparer.Ordinal);
        IReadOnlyList<ScoredSong> Similar(string song)
        {
            if (!neighbours.TryGetValue(song, out var list))
            {
                list = factors.Items.TryGetIndex(song, out var item)
                    ? [.. TopKScorer.SimilarItems(factors, item, Neighbours).Select(s => new ScoredSong(factors.Items[s.Item], s.Score))]
                    : [];
                neighbours[song] = list;
            }

            return list;
        }

        SongDetails? Details(string song) =>
            world.Songs.TryGetValue(song, out var s) ? new SongDetails(s.Title, s.Artist, "", 0, s.Regions) : null;

        var builder = new MixBuilder();
        var before = new List<ListenerMixes>(listeners.Count);
        var after = new List<ListenerMixes>(listeners.Count);
        foreach (var listener in listeners)
        {
            var truth = world.Listeners[listener];
            var user = data.Users.IndexOf(listener);
            var items = data.ItemsOf(user);
            var weights = data.WeightsOf(user);
            var history = new UserSongInteraction[items.Length];
            for (var k = 0; k < items.Length; k++)
            {
                history[k] = new UserSongInteraction(listener, data.Items[items[k]], weights[k], 1, 0, 0, 0, 0, 0, LastEvent, LastEvent, null);
            }

            var request = new MixRequest
            {
                UserId = listener,
                Now = LastEvent,
                Region = truth.Region,
                History = history,
                Trending = chart,
                SimilarSongs = Similar,
                Songs = Details,
                IsPlayable = song => !world.Songs.TryGetValue(song, out var s) || s.Regions.Count == 0
                    || s.Regions.Contains(truth.Region, StringComparer.OrdinalIgnoreCase),
            };
            before.Add(Score(builder.BecauseYouUsed(request), truth, world));
            after.Add(Score(builder.BecauseYouUsed(request with { SongReach = songReach }), truth, world));
        }

        return (before, after);
    }

    /// <summary>
    /// The chart the listeners get: the export has no times for the product's time-decayed trending, so the model's songs by training
    /// listeners (its popularity), the same for every region; 200 leaves the artist cap and regions room to fill a mix.
    /// </summary>
    public static IReadOnlyList<ScoredSong> Chart(PipelineModel model)
    {
        var popularity = model.Popularity.ToArray();
        return [.. Enumerable.Range(0, popularity.Length).OrderByDescending(i => popularity[i]).ThenBy(i => i).Take(200)
            .Select(i => new ScoredSong(model.Items[i], popularity[i]))];
    }

    /// <summary>One listener's mixes against their taste.</summary>
    public static ListenerMixes Score(IReadOnlyList<Mix> mixes, ListenerTruth truth, MixSeedWorld world)
    {
        var prefix = MixKinds.BecauseYouUsed + ":";
        int taste = 0, tracks = 0, hits = 0;
        var shares = 0.0;
        var first = double.NaN;
        foreach (var mix in mixes)
        {
            var seed = mix.Id.StartsWith(prefix, StringComparison.Ordinal) ? mix.Id[prefix.Length..] : mix.Id;
            if (world.Songs.TryGetValue(seed, out var song) && song.PopularityRank < HitRank)
            {
                hits++;
            }

            var inTaste = mix.Tracks.Count(t => world.Songs.TryGetValue(t.SongId, out var s) && truth.Likes(s.Cluster));
            taste += inTaste;
            tracks += mix.Tracks.Count;
            var share = mix.Tracks.Count == 0 ? 0 : (double)inTaste / mix.Tracks.Count;
            shares += share;
            first = double.IsNaN(first) ? share : first;
        }

        return new ListenerMixes(mixes.Count, taste, tracks, hits, mixes.Count == 0 ? double.NaN : shares / mixes.Count, first);
    }

    /// <summary>The report for the listeners where <paramref name="member"/> holds (aligned with the outcomes).</summary>
    public static MixSeedGroupReport Report(string group, IReadOnlyList<ListenerMixes> before, IReadOnlyList<ListenerMixes> after, IReadOnlyList<bool> member)
    {
        var indices = Enumerable.Range(0, before.Count).Where(i => member[i]).ToList();
        var both = indices.Where(i => before[i].Mixes > 0 && after[i].Mixes > 0).ToList();
        return new MixSeedGroupReport(
            group,
            indices.Count,
            Rule([.. indices.Select(i => before[i])]),
            Rule([.. indices.Select(i => after[i])]),
            PairedBootstrap.Compare([.. both.Select(i => after[i].TasteShare)], [.. both.Select(i => before[i].TasteShare)]));
    }

    private static SeedRuleReport Rule(List<ListenerMixes> outcomes)
    {
        var seeded = outcomes.Where(o => o.Mixes > 0).ToList();
        var shares = seeded.ConvertAll(o => o.TasteShare);

        // The interval of a mean is the paired interval against zero.
        var mean = PairedBootstrap.Compare(shares, new double[shares.Count]);
        var mixes = seeded.Sum(o => o.Mixes);
        var tracks = seeded.Sum(o => o.Tracks);
        return new SeedRuleReport(
            seeded.Count,
            mixes,
            mean,
            tracks == 0 ? double.NaN : (double)seeded.Sum(o => o.TasteTracks) / tracks,
            mixes == 0 ? double.NaN : (double)seeded.Sum(o => o.HitSeeds) / mixes,
            seeded.Count == 0 ? double.NaN : seeded.Average(o => o.FirstTasteShare));
    }

    /// <summary>A Markdown table: a row per group and rule.</summary>
    public static string Table(IEnumerable<MixSeedGroupReport> groups)
    {
        var text = new StringBuilder();
        text.AppendLine("| listeners | seeds | seeded listeners | mixes | in taste, mean over listeners [95 %] | in taste, over mixes' tracks | first mix in taste | seeds that are top-20 hits | after − before [95 %, paired] |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var g in groups)
        {
            Row(g, "significance (before)", g.Before, "");
            Row(g, "significance · log(1/reach) (after)", g.After, g.Difference.ToString());
        }

        return text.ToString();

        void Row(MixSeedGroupReport g, string rule, SeedRuleReport r, string difference) =>
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {g.Group} ({g.Listeners}) | {rule} | {r.SeededListeners} | {r.Mixes} | {r.TasteShareOverListeners.Mean:0.000} [{r.TasteShareOverListeners.Lower:0.000}, {r.TasteShareOverListeners.Upper:0.000}] | {r.TasteShareOverMixes:0.000} | {r.FirstMixTasteShare:0.000} | {r.HitSeedShare:0.000} | {difference} |"));
    }
}
