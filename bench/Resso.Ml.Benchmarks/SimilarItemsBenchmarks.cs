using BenchmarkDotNet.Attributes;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// The 80 nearest songs by cosine over 100,000 songs × 128 factors (the serving model's shape, used by mixes and
/// <c>/similar</c>): <see cref="TopKScorer.SimilarItems"/> (8-bit pass + exact re-score) against the float scorer.
/// </summary>
[MemoryDiagnoser]
public class SimilarItemsBenchmarks
{
    private FactorModel _model = null!;
    private int _next;

    [Params(100_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = Models.Random(users: 16, Songs, dimension: 128);
        _ = TopKScorer.SimilarItems(_model, 0, 80); // builds the 8-bit copy and the norms, as a loaded serving model has them
    }

    [Benchmark(Baseline = true, Description = "float scorer (cosine of every song in float), top 80")]
    public ScoredItem[] SimilarFloat() => TopKScorer.SimilarItemsFloat(_model, NextSong(), 80);

    [Benchmark(Description = "TopKScorer.SimilarItems, top 80 (8-bit pass + exact re-score)")]
    public ScoredItem[] Similar() => TopKScorer.SimilarItems(_model, NextSong(), 80);

    // A different query song each call, as different seeds of different listeners.
    private int NextSong() => _next = (_next + 7919) % Songs;
}
