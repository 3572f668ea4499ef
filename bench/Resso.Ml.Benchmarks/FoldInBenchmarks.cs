using BenchmarkDotNet.Attributes;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>Fold-in of a new user with 20 events against 1,000,000 songs × 64 factors (default <see cref="FoldInOptions"/>).</summary>
[MemoryDiagnoser]
public class FoldInBenchmarks
{
    private UserFoldIn _foldIn = null!;
    private int[] _events = null!;

    [Params(1_000_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var model = Models.Random(users: 16, Songs, dimension: 64);
        _foldIn = new UserFoldIn(model);
        var random = new Random(5);
        _events = [.. Enumerable.Range(0, 20).Select(_ => random.Next(Songs))];
    }

    [Benchmark(Description = "UserFoldIn.FoldIn, 20 events")]
    public FoldInResult FoldIn() => _foldIn.FoldIn(_events);
}
