using Resso.Ml.Ranking;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Ranking;

public sealed class RankerTrainerTests
{
    [Fact]
    public void Train_TooFewRowsForOneSplit_ThrowsInvalidOperation()
    {
        // 30 rows cannot make two leaves of at least 50 rows: LightGBM returns single-leaf trees.
        var rows = TrainedRankerFixture.SyntheticRows(groups: 3, perGroup: 10, seed: 1);

        var exception = Assert.Throws<InvalidOperationException>(() => RankerTrainer.Train(rows, new RankerTrainingOptions()));

        Assert.Contains("split", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PipelineTrain_TooFewCandidateRowsForTheRanker_ServesWithoutIt()
    {
        // 40 listeners and 12 songs give the ranker a few hundred rows, too few for two leaves of 1,000.
        var data = SyntheticData.Clustered(users: 40, items: 12, perUser: 6, seed: 2);
        var options = new PipelineTrainingOptions
        {
            Ffm = new FfmTrainingOptions { LatentDimension = 8, Epochs = 2, EarlyStoppingPatience = 0 },
            FfmGrid = [(0, 0.003f)],
            EaseLambdas = [10],
            AlsGrid = [(1f, 1f)],
            AlsFactors = 4,
            AlsIterations = 3,
            CandidatesPerGenerator = 5,
            Ranker = new RankerTrainingOptions { MinimumRowsPerLeaf = 1_000 },
        };

        var result = new PipelineTrainer(new FfmTrainer(), TimeProvider.System).Train(data, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.NotEqual(PipelineMode.Ranker, result.Model.Mode);
        Assert.Null(result.Model.Ranker);
        Assert.Equal("0", result.Parameters["rankerTrees"]);
        var trial = Assert.Single(result.Trials, t => t.Component == "ranker");
        Assert.StartsWith("not trained", trial.Setting, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Trials, t => t.Component == "mode" && t.Setting.StartsWith("ranker", StringComparison.Ordinal));
        Assert.Equal(5, result.Model.Recommend(data.ItemsOf(0), [], 5).Length);
    }
}
