using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Training;

public sealed class EarlyStoppingTests
{
    private static readonly InteractionData Data = SyntheticData.Clustered(users: 120, items: 60, clusters: 2, perUser: 10);
    private static readonly TrainTestSplit Split = InteractionSplitter.SplitPerUser(Data, 0.2, seed: 42);

    [Fact]
    public void Train_WithPatience_StopsWhenValidationStallsAndKeepsTheBestEpoch()
    {
        var options = new FfmTrainingOptions { LatentDimension = 16, Epochs = 60, Seed = 5, EarlyStoppingPatience = 2 };
        var reports = new List<TrainingProgress>();

        var result = new FfmTrainer().Train(Split.Train, options, progress: new SyncProgress<TrainingProgress>(reports.Add), validation: Split.Test,
            cancellationToken: TestContext.Current.CancellationToken);

        // Two-cluster data is learned in a few epochs: sixty would be wasted.
        Assert.InRange(result.Epochs, 3, 59);
        Assert.Equal(result.Epochs, result.ValidationNdcg.Count);
        Assert.Equal(result.Epochs - 2, result.BestEpoch);
        Assert.Equal(result.ValidationNdcg, reports.Select(r => r.ValidationNdcg!.Value));

        // The model returned is the best epoch's, not the last one's: its NDCG is the best epoch's figure.
        var best = result.ValidationNdcg[result.BestEpoch - 1];
        Assert.Equal(result.ValidationNdcg.Max(), best);
        var ndcg = RankingEvaluator.Evaluate("kept", Split.Train, Split.Test,
            (user, scores) => TopKScorer.ScoreAll(result.Model, result.Model.UserVector(user), scores), 10,
            cancellationToken: TestContext.Current.CancellationToken).Ndcg;
        Assert.Equal(best, ndcg, 12);
    }

    [Fact]
    public void Train_WithValidationButNoPatience_RunsEveryEpochAndReportsEach()
    {
        var options = new FfmTrainingOptions { LatentDimension = 16, Epochs = 4, Seed = 5 };

        var result = new FfmTrainer().Train(Split.Train, options, validation: Split.Test, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(4, result.Epochs);
        Assert.Equal(4, result.BestEpoch);
        Assert.Equal(4, result.ValidationNdcg.Count);
        Assert.True(result.ValidationNdcg[^1] > result.ValidationNdcg[0], string.Join(", ", result.ValidationNdcg));
    }

    [Fact]
    public void Train_ValidationOverOtherIds_IsRefused()
    {
        var other = InteractionData.Create(new IdMap(["stranger"]), new IdMap(["unknown-song"]), [0], [0], [1f]);

        var error = Assert.Throws<ArgumentException>(() => new FfmTrainer().Train(Split.Train, new FfmTrainingOptions { Epochs = 1 }, validation: other,
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal("validation", error.ParamName);
    }

    [Theory]
    [InlineData(-1, 0.005, 10)]
    [InlineData(2, -0.1, 10)]
    [InlineData(2, 1.0, 10)]
    [InlineData(2, 0.005, 0)]
    public void Validate_EarlyStoppingOutOfRange_Throws(int patience, double minImprovement, int users)
    {
        var options = new FfmTrainingOptions { EarlyStoppingPatience = patience, EarlyStoppingMinImprovement = minImprovement, ValidationUsers = users };

        Assert.Throws<ArgumentOutOfRangeException>(options.Validate);
    }
}
