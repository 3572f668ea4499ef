using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Training;

/// <summary>One small FFM model on two-cluster data, shared by the tests that only read it.</summary>
public sealed class ClusteredModelFixture
{
    public ClusteredModelFixture()
    {
        Data = SyntheticData.Clustered(users: 120, items: 60, clusters: 2, perUser: 10);
        Split = InteractionSplitter.SplitPerUser(Data, 0.2, seed: 42);
        Result = new FfmTrainer().Train(Split.Train, Options);
    }

    public static FfmTrainingOptions Options { get; } = new() { LatentDimension = 16, Epochs = 15, Seed = 5 };

    public InteractionData Data { get; }

    public TrainTestSplit Split { get; }

    public FfmTrainingResult Result { get; }

    public FactorModel Model => Result.Model;
}

public sealed class FfmQualityTests(ClusteredModelFixture fixture) : IClassFixture<ClusteredModelFixture>
{
    [Fact]
    public void Train_ClusteredData_BeatsMostPopularOnNdcg()
    {
        var train = fixture.Split.Train;
        var test = fixture.Split.Test;

        var ffm = RankingEvaluator.Evaluate("ffm", train, test, OfflineEvaluator.FactorScorer(fixture.Model), 10, cancellationToken: TestContext.Current.CancellationToken);
        var popular = RankingEvaluator.Evaluate("popular", train, test, MostPopular.Fit(train), 10, cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(ffm.Ndcg > popular.Ndcg + 0.05, $"FFM NDCG {ffm.Ndcg:F3} vs most popular {popular.Ndcg:F3}");
        Assert.False(fixture.Result.WarmStarted);
    }

    [Fact]
    public void FoldIn_ItemsOfOneCluster_RanksThatClusterFirst()
    {
        var model = fixture.Model;
        var foldIn = new UserFoldIn(model);
        for (var cluster = 0; cluster < 2; cluster++)
        {
            int[] events = [.. Enumerable.Range(0, 60).Where(i => i % 2 == cluster).Skip(3).Take(5).Select(i => model.Items.IndexOf($"i{i}"))];

            var user = foldIn.FoldIn(events);
            var top = TopKScorer.Recommend(model, user.Vector, 10, new ItemBitSet(model.ItemCount, events), userBias: user.Bias);

            Assert.Equal(10, top.Length);
            Assert.All(top, r => Assert.Equal(cluster, int.Parse(model.Items[r.Item].AsSpan(1), provider: null) % 2));
        }
    }

    [Fact]
    public void FoldIn_NoKnownEvents_ReturnsZeroVector()
    {
        var foldIn = new UserFoldIn(fixture.Model);

        var user = foldIn.FoldIn([KeyValuePair.Create("not-a-song", 1f)]);

        Assert.All(user.Vector, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Train_PreviousModelWithPrefixIds_WarmStartsAndKeepsQuality()
    {
        // The same users and items plus a new user and a new item appended.
        var builder = new InteractionDataBuilder(fixture.Model.Users, fixture.Model.Items);
        var train = fixture.Split.Train;
        for (var k = 0; k < train.Count; k++)
        {
            builder.Add(train.Users[train.UserIndices[k]], train.Items[train.ItemIndices[k]]);
        }

        builder.Add("new-user", "i0").Add("new-user", "new-song");
        var grown = builder.Build();
        var progress = new List<TrainingProgress>();

        var result = new FfmTrainer().Train(grown, ClusteredModelFixture.Options with { Epochs = 2 }, fixture.Model,
            new SyncProgress<TrainingProgress>(progress.Add), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.WarmStarted);
        Assert.Equal([1, 2], progress.Select(p => p.Epoch));
        var test = InteractionData.Create(grown.Users, grown.Items, fixture.Split.Test.UserIndices, fixture.Split.Test.ItemIndices, fixture.Split.Test.Weights);
        var warm = RankingEvaluator.Evaluate("warm", grown, test, OfflineEvaluator.FactorScorer(result.Model), 10, cancellationToken: TestContext.Current.CancellationToken);
        var popular = RankingEvaluator.Evaluate("popular", grown, test, MostPopular.Fit(grown), 10, cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(warm.Ndcg > popular.Ndcg + 0.05, $"warm-started NDCG {warm.Ndcg:F3} vs most popular {popular.Ndcg:F3}");
    }

    [Fact]
    public void Train_PreviousModelWithOtherDimension_TrainsFromScratch()
    {
        var result = new FfmTrainer().Train(fixture.Split.Train, ClusteredModelFixture.Options with { LatentDimension = 8, Epochs = 1 }, fixture.Model,
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.False(result.WarmStarted);
        Assert.Equal(8, result.Model.LatentDimension);
    }

    [Fact]
    public void Options_DimensionNotMultipleOfEight_IsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new FfmTrainingOptions { LatentDimension = 20 }.Validate());
    }
}
