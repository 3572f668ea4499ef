using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Resso.Ml.Model;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// Serving with the item factors memory-mapped (<see cref="FactorModelSerializer.LoadMapped(string)"/>) against the same
/// model in arrays, in one run: top 100 for a user and the 80 most similar songs, at the serving shape (d = 128). The
/// mapped pages are resident (loading read them all once), as on an instance with room for them.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class MappedFactorsBenchmarks
{
    private FactorModel _arrays = null!;
    private FactorModel _mapped = null!;
    private string _path = null!;
    private int _nextUser;
    private int _nextSong;

    [Params(100_000, 1_000_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _arrays = Models.Random(users: 1_000, Songs, dimension: 128);
        _path = Path.Combine(Path.GetTempPath(), $"resso-mapped-bench-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(_path, FactorModelSerializer.ToBytes(_arrays));
        _mapped = FactorModelSerializer.LoadMapped(_path);

        // The 8-bit copies and norms, as a loaded serving model has them.
        foreach (var model in new[] { _arrays, _mapped })
        {
            _ = TopKScorer.RecommendForUser(model, 0, 100);
            _ = TopKScorer.SimilarItems(model, 0, 80);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        // Linux lets the file go while mapped; the mapping goes with the model.
        File.Delete(_path);
    }

    [Benchmark(Baseline = true, Description = "recommend top 100, item factors in arrays")]
    [BenchmarkCategory("recommend")]
    public ScoredItem[] RecommendArrays() => TopKScorer.RecommendForUser(_arrays, NextUser(), 100);

    [Benchmark(Description = "recommend top 100, item factors mapped")]
    [BenchmarkCategory("recommend")]
    public ScoredItem[] RecommendMapped() => TopKScorer.RecommendForUser(_mapped, NextUser(), 100);

    [Benchmark(Baseline = true, Description = "similar top 80, item factors in arrays")]
    [BenchmarkCategory("similar")]
    public ScoredItem[] SimilarArrays() => TopKScorer.SimilarItems(_arrays, NextSong(), 80);

    [Benchmark(Description = "similar top 80, item factors mapped")]
    [BenchmarkCategory("similar")]
    public ScoredItem[] SimilarMapped() => TopKScorer.SimilarItems(_mapped, NextSong(), 80);

    // A different user and song each call; both modes walk the same sequence.
    private int NextUser() => _nextUser = (_nextUser + 7) % 1_000;

    private int NextSong() => _nextSong = (_nextSong + 7919) % Songs;
}
