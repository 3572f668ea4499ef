using System.Globalization;
using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Ranking;

/// <summary>A pipeline trained once on three-cluster data, and the same components ranked by a ranker trained on the outer split.</summary>
public sealed class TrainedPipelineFixture
{
    public const int Clusters = 3;

    public TrainedPipelineFixture()
    {
        Data = SyntheticData.Clustered(users: 240, items: 120, clusters: Clusters, perUser: 12, noise: 0.1, seed: 3);
        Split = InteractionSplitter.SplitPerUser(Data, 0.2, seed: 42);
        Result = Train(Split.Train);

        // The trainer may pick a single generator; the Ranker-mode tests need a ranker over the final components whatever it picked.
        var rows = new List<RankerRow>();
        var group = 0u;
        for (var user = 0; user < Split.Train.UserCount; user++)
        {
            var heldOut = new HashSet<int>(Split.Test.ItemsOf(user).ToArray());
            if (heldOut.Count > 0)
            {
                Result.Model.CollectRows(Split.Train.ItemsOf(user), Split.Train.WeightsOf(user), new ItemBitSet(Data.ItemCount, Split.Train.ItemsOf(user)),
                    heldOut.Contains, group++, rows);
            }
        }

        Ranked = Result.Model.WithMode(PipelineMode.Ranker, Result.Model.Ranker ?? RankerTrainer.Train(rows, Options.Ranker).Model);
    }

    public static PipelineTrainingOptions Options { get; } = new()
    {
        Ffm = new FfmTrainingOptions { LatentDimension = 8, Epochs = 8, EarlyStoppingPatience = 0 },
        FfmGrid = [(0, 0.003f)],
        EaseLambdas = [5, 50],
        AlsGrid = [(1f, 1f), (10f, 5f)],
        AlsFactors = 8,
        AlsIterations = 8,
        CandidatesPerGenerator = 20,
        Ranker = new RankerTrainingOptions { Iterations = 30, Leaves = 8, MinimumRowsPerLeaf = 10 },
        TreeCounts = [10, 30],
        Seed = 5,
    };

    public InteractionData Data { get; }

    public TrainTestSplit Split { get; }

    public PipelineTrainingResult Result { get; }

    /// <summary>The trained components ranked by a LambdaRank ranker.</summary>
    public PipelineModel Ranked { get; }

    /// <summary>Every mode the trained components can rank with.</summary>
    public IEnumerable<PipelineModel> AllModes() =>
        [Ranked, .. new[] { PipelineMode.Ease, PipelineMode.Als, PipelineMode.Ffm, PipelineMode.Popularity }.Select(m => Ranked.WithMode(m))];

    public static PipelineTrainingResult Train(InteractionData train) =>
        new PipelineTrainer(new FfmTrainer(), TimeProvider.System).Train(train, Options, cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>The cluster of a song id "i{n}".</summary>
    public static int ClusterOf(string item) => int.Parse(item.AsSpan(1), CultureInfo.InvariantCulture) % Clusters;
}

public sealed class PipelineTests(TrainedPipelineFixture fixture) : IClassFixture<TrainedPipelineFixture>
{
    [Fact]
    public void Train_ClusteredData_BeatsMostPopularAndRecordsWhatItChose()
    {
        var result = fixture.Result;
        var model = result.Model;
        var train = fixture.Split.Train;
        var test = fixture.Split.Test;

        var pipeline = RankingEvaluator.Evaluate("pipeline", train, test, model.Scorer(train, 10), 10, cancellationToken: TestContext.Current.CancellationToken);
        var popular = RankingEvaluator.Evaluate("popular", train, test, MostPopular.Fit(train), 10, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(pipeline.Ndcg >= popular.Ndcg + 0.1, $"pipeline ({model.Mode}) NDCG@10 {pipeline.Ndcg:F3} vs most popular {popular.Ndcg:F3}");

        // One chosen setting per component; the chosen mode is the best on validation and is the model's.
        foreach (var component in new[] { "ease", "als", "ffm", "mode" })
        {
            Assert.Single(result.Trials, t => t.Component == component && t.Chosen);
        }

        var modes = result.Trials.Where(t => t.Component == "mode").ToList();
        var chosen = modes.Single(t => t.Chosen);
        Assert.Equal(modes.Max(t => t.Ndcg), chosen.Ndcg);
        Assert.Equal(model.Mode.ToString().ToLowerInvariant(), result.Parameters["mode"]);
        Assert.StartsWith(result.Parameters["mode"], chosen.Setting, StringComparison.Ordinal);
        Assert.Equal(model.Mode == PipelineMode.Ranker ? model.Ranker!.TreeCount : 0, int.Parse(result.Parameters["rankerTrees"], CultureInfo.InvariantCulture));
        Assert.Contains(modes, t => t.Setting.StartsWith("ranker", StringComparison.Ordinal));
        Assert.True(int.Parse(result.Parameters["rankerListeners"], CultureInfo.InvariantCulture) >= 2);

        // The recorded settings are the served ones.
        var ease = result.Trials.Single(t => t.Component == "ease" && t.Chosen);
        Assert.Equal($"λ {result.Parameters["easeLambda"]}", ease.Setting);
        Assert.Equal(model.AlsOptions!.Regularization.ToString(CultureInfo.InvariantCulture), result.Parameters["alsLambda"]);
        Assert.Equal(model.AlsOptions.Alpha.ToString(CultureInfo.InvariantCulture), result.Parameters["alsAlpha"]);
        Assert.Equal($"λ {result.Parameters["alsLambda"]}, α {result.Parameters["alsAlpha"]}", result.Trials.Single(t => t.Component == "als" && t.Chosen).Setting);
        var ffmEpochs = result.Ffm.BestEpoch > 0 ? result.Ffm.BestEpoch : result.Ffm.Epochs;
        Assert.Equal(ffmEpochs.ToString(CultureInfo.InvariantCulture), result.Parameters["ffmEpochs"]);
        Assert.Equal("20", result.Parameters["candidatesPerGenerator"]);
        Assert.Equal(20, model.CandidatesPerGenerator);
        Assert.NotNull(model.Ease);
        Assert.Equal(["split", "tune generators", "candidates", "ranker", "choose", "refit ease, als", "waiting for the ffm refit", "refit ffm (beside the stages above)"], result.Stages.Select(s => s.Name));
    }

    [Fact]
    public void Recommend_ExcludedAndNotAllowedSongs_AreNeverReturned()
    {
        var random = new Random(6);
        var items = fixture.Data.ItemCount;
        foreach (var model in fixture.AllModes())
        {
            for (var trial = 0; trial < 20; trial++)
            {
                var user = random.Next(fixture.Data.UserCount);
                var own = fixture.Split.Train.ItemsOf(user);
                var exclude = new ItemBitSet(items, own);
                var allowed = new ItemBitSet(items);
                for (var item = 0; item < items; item++)
                {
                    if (random.NextDouble() < 0.2)
                    {
                        exclude.Add(item);
                    }

                    if (random.NextDouble() < 0.5)
                    {
                        allowed.Add(item);
                    }
                }

                var top = model.Recommend(own, fixture.Split.Train.WeightsOf(user), 10, exclude, allowed);

                Assert.All(top, r => Assert.False(exclude.Contains(r.Item), $"{model.Mode} returned excluded song {r.Item}"));
                Assert.All(top, r => Assert.True(allowed.Contains(r.Item), $"{model.Mode} returned song {r.Item}, not allowed"));
                Assert.Equal(top.Length, top.Select(r => r.Item).Distinct().Count());
                Assert.Equal(top.OrderByDescending(r => r.Score).Select(r => r.Score), top.Select(r => r.Score));
                if (model.Mode == PipelineMode.Ease)
                {
                    // EASE returns only songs its neighbours reach.
                    Assert.InRange(top.Length, 1, 10);
                }
                else
                {
                    Assert.Equal(10, top.Length);
                }
            }
        }
    }

    [Fact]
    public void Recommend_NewListenerWithAFewSongs_GetsSongsOfTheirCluster()
    {
        var model = fixture.Result.Model;
        for (var cluster = 0; cluster < TrainedPipelineFixture.Clusters; cluster++)
        {
            // Four songs of the cluster, none of its most played: a listener the training data never had.
            int[] songs = [.. Enumerable.Range(0, fixture.Data.ItemCount).Where(i => i % TrainedPipelineFixture.Clusters == cluster).Skip(4).Take(4)
                .Select(i => model.Items.IndexOf($"i{i}"))];
            foreach (var pipeline in fixture.AllModes().Where(m => m.Mode != PipelineMode.Popularity).Append(model))
            {
                var top = pipeline.Recommend(songs, [], 10, new ItemBitSet(model.Items.Count, songs));

                Assert.Equal(10, top.Length);
                Assert.All(top, r => Assert.True(TrainedPipelineFixture.ClusterOf(model.Items[r.Item]) == cluster,
                    $"{pipeline.Mode}: song {model.Items[r.Item]} for a listener of cluster {cluster}"));
            }
        }
    }

    [Fact]
    public void Train_SameSeed_SameModelAndRecommendations()
    {
        var again = TrainedPipelineFixture.Train(fixture.Split.Train);

        Assert.Equal(fixture.Result.Parameters, again.Parameters);
        Assert.Equal(fixture.Result.Trials, again.Trials);
        var train = fixture.Split.Train;
        for (var user = 0; user < train.UserCount; user++)
        {
            var exclude = new ItemBitSet(train.ItemCount, train.ItemsOf(user));
            Assert.Equal(
                fixture.Result.Model.Recommend(train.ItemsOf(user), train.WeightsOf(user), 10, exclude),
                again.Model.Recommend(train.ItemsOf(user), train.WeightsOf(user), 10, exclude));
        }
    }

    [Fact]
    public void Recommend_OverMappedFactors_RanksExactlyAsOverArrays()
    {
        // Every mode, the ranker's features included, reads the FFM item factors; mapped, they must rank the same.
        var path = Path.Combine(Path.GetTempPath(), $"resso-pipeline-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(path, FactorModelSerializer.ToBytes(fixture.Ranked.Ffm));
        try
        {
            var mappedFfm = FactorModelSerializer.LoadMapped(path);
            Assert.True(mappedFfm.ItemFactorsMapped);
            var train = fixture.Split.Train;
            foreach (var model in fixture.AllModes())
            {
                var mapped = PipelineSerializer.FromBytes(PipelineSerializer.ToBytes(model), mappedFfm);
                for (var user = 0; user < train.UserCount; user += 7)
                {
                    var exclude = new ItemBitSet(train.ItemCount, train.ItemsOf(user));
                    var expected = model.Recommend(train.ItemsOf(user), train.WeightsOf(user), 10, exclude);
                    var actual = mapped.Recommend(train.ItemsOf(user), train.WeightsOf(user), 10, exclude);
                    Assert.NotEmpty(expected);
                    Assert.Equal(expected.Select(r => r.Item), actual.Select(r => r.Item));
                    Assert.Equal(expected.Select(r => r.Score), actual.Select(r => r.Score));
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}
