using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// Top-100 for one user over 1,000,000 songs × 64 factors, against the memory-bandwidth floor: one SIMD sum over the
/// same 256 MB factor matrix, which any scorer has to read once.
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
    }

    [Benchmark(Baseline = true, Description = "floor: TensorPrimitives.Sum over the item factors")]
    public float SumFloor() => TensorPrimitives.Sum(_model.ItemFactors);

    [Benchmark(Description = "TopKScorer.Recommend, top 100")]
    public ScoredItem[] Recommend() => TopKScorer.Recommend(_model, _user, 100);
}
