using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Resso.Ml.Model;
using Resso.Ml.Scoring;
using Resso.Ml.Training;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// Top-100 for one user over 100,000 songs: <see cref="TopKScorer"/> on the extracted factors against what the design
/// rules out, an ML.NET <c>PredictionEngine</c> call per song. The engine is the real trained model: FFM trained by
/// <see cref="FfmTrainer"/> (dimension 64) on synthetic data over 100,000 songs, saved with
/// <see cref="FfmTrainingResult.SaveMlNetModel"/> and loaded with <c>MLContext.Model.Load</c>.
/// </summary>
[MemoryDiagnoser]
public class PredictionEngineBenchmarks
{
    private FactorModel _model = null!;
    private PredictionEngine<PairInput, PairScore> _engine = null!;
    private PairInput _input = null!;
    private PairScore _output = null!;
    private int _user;

    [Params(100_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var data = SyntheticInteractions.Create(interactions: 40_000, users: 2_000, songs: Songs);
        var result = new FfmTrainer().Train(data, new FfmTrainingOptions { Epochs = 2 });
        _model = result.Model;
        using var zip = new MemoryStream();
        result.SaveMlNetModel(zip);
        zip.Position = 0;
        var context = new MLContext(seed: 1);
        var transformer = context.Model.Load(zip, out _);
        var schema = SchemaDefinition.Create(typeof(PairInput));
        schema[nameof(PairInput.User)].ColumnType = new KeyDataViewType(typeof(uint), _model.UserCount);
        schema[nameof(PairInput.Item)].ColumnType = new KeyDataViewType(typeof(uint), _model.ItemCount);
        _engine = context.Model.CreatePredictionEngine<PairInput, PairScore>(transformer, inputSchemaDefinition: schema);
        _input = new PairInput();
        _output = new PairScore();
        _user = 17;
        _ = TopKScorer.RecommendForUser(_model, _user, 100); // builds the 8-bit copy, as a serving model does when loaded

        // The two must rank alike: check a few scores once.
        for (var item = 0; item < 5; item++)
        {
            _input.User = (uint)_user;
            _input.Item = (uint)item;
            _engine.Predict(_input, ref _output);
            if (Math.Abs(_output.Score - _model.Score(_user, item)) > 1e-3)
            {
                throw new InvalidOperationException($"PredictionEngine scores {_output.Score}, the factor model {_model.Score(_user, item)}.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _engine.Dispose();

    [Benchmark(Baseline = true, Description = "PredictionEngine per song + top-100 heap")]
    public ScoredItem[] PredictionEnginePerSong()
    {
        var selector = new TopKSelector(100);
        _input.User = (uint)_user;
        for (var item = 0; item < _model.ItemCount; item++)
        {
            _input.Item = (uint)item;
            _engine.Predict(_input, ref _output);
            selector.Add(item, _output.Score);
        }

        return selector.ToSortedArray();
    }

    [Benchmark(Description = "TopKScorer.RecommendForUser, top 100 (8-bit pass + exact re-score)")]
    public ScoredItem[] Recommend() => TopKScorer.RecommendForUser(_model, _user, 100);

    [Benchmark(Description = "float scorer (every item in float), top 100")]
    public ScoredItem[] RecommendFloat() => TopKScorer.RecommendFloat(_model, _model.UserVector(_user), 100, userBias: _model.UserBiases[_user]);

    /// <summary>What any scorer of these factors pays: one read of the 100,000 × 64 matrix (25.6 MB).</summary>
    [Benchmark(Description = "floor: TensorPrimitives.Sum over the item factors")]
    public float SumFloor() => System.Numerics.Tensors.TensorPrimitives.Sum(_model.ItemFactors);

    /// <summary>The saved model's input: a label it ignores and the user and item keys (0-based indices).</summary>
    public sealed class PairInput
    {
        public bool Label { get; set; }

        public uint User { get; set; }

        public uint Item { get; set; }
    }

    /// <summary>The FFM's output column that matters.</summary>
    public sealed class PairScore
    {
        public float Score { get; set; }
    }
}
