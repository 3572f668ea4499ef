using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// Top-100 for one user over 1,000,000 songs × 64 factors, against the memory-bandwidth floor: one SIMD sum over the
/// same 256 MB factor matrix, which any float scorer has to read once. <see cref="TopKScorer.Recommend"/> ranks with
/// the 8-bit copy (64 MB) and re-scores the candidates exactly; the float scorer it replaced is measured alongside.
/// </summary>
[MemoryDiagnoser]
public class TopKBenchmarks
{
    private FactorModel _model = null!;
    private float[] _user = null!;

    [Params(1_000_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Models.Random(users: 16, Songs, dimension: 64);
        _user = _model.UserVector(3).ToArray();
        _ = TopKScorer.Recommend(_model, _user, 100); // builds the 8-bit copy, as a serving model does when loaded
    }

    [Benchmark(Baseline = true, Description = "floor: TensorPrimitives.Sum over the item factors")]
    public float SumFloor() => TensorPrimitives.Sum(_model.ItemFactors);

    [Benchmark(Description = "TopKScorer.Recommend, top 100 (8-bit pass + exact re-score)")]
    public ScoredItem[] Recommend() => TopKScorer.Recommend(_model, _user, 100);

    [Benchmark(Description = "float scorer (every item in float), top 100")]
    public ScoredItem[] RecommendFloat() => TopKScorer.RecommendFloat(_model, _user, 100);
}
