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

    [Fact]
    public void SaveMlNetModel_LoadedWithMlContext_ScoresLikeTheFactorModel()
    {
        var data = SyntheticData.Clustered(users: 40, items: 30, perUser: 6);
        var options = new FfmTrainingOptions { LatentDimension = 16, Epochs = 3, Seed = 11 };
        var result = new FfmTrainer().Train(data, options, cancellationToken: TestContext.Current.CancellationToken);
        using var zip = new MemoryStream();

        result.SaveMlNetModel(zip);

        zip.Position = 0;
        var context = new MLContext(seed: 1);
        var loaded = context.Model.Load(zip, out var inputSchema);
        Assert.Equal(KeyCount(inputSchema["User"].Type), (ulong)data.UserCount);
        Assert.Equal(KeyCount(inputSchema["Item"].Type), (ulong)data.ItemCount);
        var engine = context.Model.CreatePredictionEngine<FfmInputRow, FfmOutputRow>(loaded,
            inputSchemaDefinition: FfmTrainer.CreateInputSchema(data.UserCount, data.ItemCount));
        var model = result.Model;
        Assert.True(result.HasMlNetModel);
        foreach (var (user, item) in new[] { (0, 0), (3, 7), (17, 29), (39, 1), (22, 14), (5, 5) })
        {
            var row = new FfmInputRow();
            row.Set(label: false, user, item);
            Assert.Equal(model.Score(user, item), engine.Predict(row).Score, 1e-4f);
        }
    }

    [Fact]
    public void SaveMlNetModel_ResultNotMadeByTheTrainer_Throws()
    {
        var result = new FfmTrainingResult(ModelBuilder.Random(), WarmStarted: false, Epochs: 1, TimeSpan.Zero);

        Assert.False(result.HasMlNetModel);
        Assert.Throws<InvalidOperationException>(() => result.SaveMlNetModel(Stream.Null));
    }

    [Theory]
    [InlineData(true, 0, 0)]
    [InlineData(false, 199_999, 99_999)]
    [InlineData(true, int.MaxValue, int.MaxValue)]
    public void Pack_Unpack_RoundTrips(bool label, int user, int item)
    {
        var row = FfmEpochDataView.Pack(label, user, item);

        Assert.Equal((label, user, item), FfmEpochDataView.Unpack(row));
    }

    [Fact]
    public void EpochDataView_Cursor_YieldsLabelsAndOneHotVectors()
    {
        ulong[] rows = [FfmEpochDataView.Pack(true, 2, 4), FfmEpochDataView.Pack(false, 0, 1)];
        var view = new FfmEpochDataView(rows, rows.Length, userCount: 3, itemCount: 5);

        using var cursor = view.GetRowCursor(view.Schema);
        var label = cursor.GetGetter<bool>(view.Schema["Label"]);
        var users = cursor.GetGetter<VBuffer<float>>(view.Schema[FfmTrainer.UserFeatures]);
        var items = cursor.GetGetter<VBuffer<float>>(view.Schema[FfmTrainer.ItemFeatures]);
        var seen = new List<(bool, float[], float[])>();
        while (cursor.MoveNext())
        {
            bool l = default;
            VBuffer<float> u = default, i = default;
            label(ref l);
            users(ref u);
            items(ref i);
            seen.Add((l, u.DenseValues().ToArray(), i.DenseValues().ToArray()));
        }

        Assert.Equal(2, seen.Count);
        Assert.True(seen[0].Item1);
        Assert.Equal([0f, 0, 1], seen[0].Item2);
        Assert.Equal([0f, 0, 0, 0, 1], seen[0].Item3);
        Assert.False(seen[1].Item1);
        Assert.Equal([1f, 0, 0], seen[1].Item2);
        Assert.Equal([0f, 1, 0, 0, 0], seen[1].Item3);
    }

    private static ulong KeyCount(DataViewType type) => Assert.IsType<KeyDataViewType>(type).Count;
}
