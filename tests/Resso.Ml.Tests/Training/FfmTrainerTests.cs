using Microsoft.ML;
using Microsoft.ML.Data;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Training;

public sealed class FfmTrainerTests
{
    [Fact]
    public void TrainCore_ExtractedFactors_ReproducePredictionEngineScores()
    {
        var data = SyntheticData.Clustered(users: 40, items: 30, perUser: 6);
        var options = new FfmTrainingOptions { LatentDimension = 16, Epochs = 3, Seed = 7 };
        var trainer = new FfmTrainer();

        var run = trainer.TrainCore(data, options, previous: null, progress: null, TestContext.Current.CancellationToken);

        var chain = new TransformerChain<ITransformer>(run.KeyToVector, run.Fitted);
        var engine = run.Context.Model.CreatePredictionEngine<FfmInputRow, FfmOutputRow>(chain, inputSchemaDefinition: run.InputSchema);
        var model = run.Result.Model;
        foreach (var (user, item) in new[] { (0, 0), (3, 7), (17, 29), (39, 1), (22, 14) })
        {
            var row = new FfmInputRow();
            row.Set(label: false, user, item);
            var expected = engine.Predict(row).Score;
            Assert.Equal(expected, model.Score(user, item), 4);
        }
    }
}
