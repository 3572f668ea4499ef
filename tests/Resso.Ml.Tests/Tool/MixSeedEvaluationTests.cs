using System.Globalization;
using System.Text;
using Resso.Evaluate.MixSeeds;
using Resso.Ml.Data;
using Resso.Ml.Mixes;
using Resso.Ml.Tests.Mixes;

namespace Resso.Ml.Tests.Tool;

public sealed class MixSeedEvaluationTests
{
    /// <summary>
    /// 80 songs s000… in two clusters (song i in cluster i % 2, each by its own artist, s001 the global #1, the rest by id);
    /// the model's vectors follow the clusters. u1 likes cluster 0 and used the hit s001 (weight 5) and the niche s000 (weight 1);
    /// u2, a creator, likes cluster 1 and has no second cluster.
    /// </summary>
    private static async Task<(MixSeedWorld World, InteractionData Data)> TinyWorldAsync(DirectoryInfo folder)
    {
        var songs = new StringBuilder("song,title,artist,label,cluster,genre,regions,popularity_rank,cluster_rank,duration_ms,hook_start_ms,hook_end_ms\n");
        for (var i = 0; i < 80; i++)
        {
            var rank = i == 1 ? 0 : 20 + i;
            var title = i == 0 ? "\"Rain, \"\"Slow\"\"\"" : $"Song {i}";
            var regions = i == 2 ? "ID MX" : "";
            songs.Append(CultureInfo.InvariantCulture, $"{MixWorld.Song(i)},{title},Artist {i},Label,{i % 2},pop,{regions},{rank},{i / 2},180000,0,15000\n");
        }

        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "songs.csv"), songs.ToString(), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(folder.FullName, "truth.csv"), """
            user,region,creator,activity_rank,favourite_cluster,favourite_genre,favourite_share,second_cluster,second_genre,second_share,chart_share
            u1,ID,false,0,0,pop,0.8,,,,0.2
            u2,BR,true,1,1,rock,0.48,0,pop,0.32,0.2

            """.ReplaceLineEndings("\n"), TestContext.Current.CancellationToken);

        var world = await MixSeedWorld.ReadAsync(folder.FullName, TestContext.Current.CancellationToken);
        var model = MixWorld.ClusteredModel(80, clusters: 2);
        var data = InteractionData.Create(new IdMap(["u1", "u2"]), model.Items, [0, 0, 1], [1, 0, 3], [5, 1, 2]);
        return (world, data);
    }

    [Fact]
    public async Task ReadAsync_ExportedWorld_ReadsTasteCreatorsRanksRegionsAndQuotedTitles()
    {
        var folder = Directory.CreateTempSubdirectory("resso-mix-seeds-");
        try
        {
            var (world, _) = await TinyWorldAsync(folder);

            Assert.Equal(new ListenerTruth("ID", false, 0, null), world.Listeners["u1"]);
            Assert.Equal(new ListenerTruth("BR", true, 1, 0), world.Listeners["u2"]);
            Assert.True(world.Listeners["u2"].Likes(0));
            Assert.False(world.Listeners["u1"].Likes(1));
            Assert.Equal(80, world.Songs.Count);
            Assert.Equal("Rain, \"Slow\"", world.Songs["s000"].Title);
            Assert.Equal(0, world.Songs["s001"].PopularityRank);
            Assert.Equal(["ID", "MX"], world.Songs["s002"].Regions);
            Assert.Empty(world.Songs["s003"].Regions);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Run_HitAndNicheSong_ScoresTheHitsMixOutOfTasteBeforeAndTheNicheMixInTasteAfter()
    {
        var folder = Directory.CreateTempSubdirectory("resso-mix-seeds-");
        try
        {
            var (world, data) = await TinyWorldAsync(folder);
            var model = MixWorld.ClusteredModel(80, clusters: 2);
            Func<string, double> reach = song => song == "s001" ? 0.9 : 0.05;
            var chart = new[] { new ScoredSong("s001", 10) };

            var (before, after) = MixSeedEvaluation.Run(data, world, model, reach, chart, ["u1", "u2"]);

            // Before: the hit seeds first (its neighbours are cluster 1), then the niche song (cluster 0, in taste).
            Assert.Equal(2, before[0].Mixes);
            Assert.Equal(1, before[0].HitSeeds);
            Assert.Equal(0.0, before[0].FirstTasteShare);
            Assert.Equal(0.5, before[0].TasteShare, 2);

            // After: only the niche song seeds; every track is of cluster 0.
            Assert.Equal(new ListenerMixes(1, 30, 30, 0, 1.0, 1.0), after[0]);

            var report = MixSeedEvaluation.Report("all", before, after, [true, true]);
            Assert.Equal(2, report.Listeners);
            Assert.Equal(3, report.Before.Mixes);
            Assert.Equal(1.0 / 3, report.Before.HitSeedShare, 6);
            Assert.Equal(0.0, report.After.HitSeedShare);
            Assert.True(report.Difference.Mean > 0);
            Assert.Contains("| all (2) | significance (before) | 2 | 3 |", MixSeedEvaluation.Table([report]), StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Sample_EveryKthListenerWithEvents_Deterministic()
    {
        var users = new IdMap(Enumerable.Range(0, 10).Select(u => $"u{u}"));
        var data = InteractionData.Create(users, new IdMap(["s"]), [.. Enumerable.Range(0, 9)], [.. Enumerable.Repeat(0, 9)], [.. Enumerable.Repeat(1f, 9)]);
        var world = new MixSeedWorld(users.ToDictionary(u => u, _ => new ListenerTruth("ID", false, 0, null)), new Dictionary<string, SongTruth>());

        // u9 has no event; nine eligible, every second of them by id.
        Assert.Equal(["u0", "u2", "u4", "u6"], MixSeedEvaluation.Sample(data, world, 4));
    }
}
