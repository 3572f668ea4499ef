using BenchmarkDotNet.Attributes;
using Resso.Ml.Evaluation;
using Resso.Ml.Ranking;
using Resso.Ml.Scoring;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// What the LambdaRank stage adds to a recommendation: <see cref="PipelineModel.Recommend"/> for one listener with 20 songs
/// over 100,000 songs (FFM and ALS factors of dimension 64, EASE rows of 200 neighbours, all random) in Ranker mode (four
/// generators of 50 candidates each, features, 60 trees of up to 31 leaves) against the same model in Ffm mode (fold-in and
/// top 20 of the FFM factors alone); and <see cref="RankerModel.Score"/> of 100 candidates by itself.
/// </summary>
[MemoryDiagnoser]
public class RankingBenchmarks
{
    private PipelineModel _ranker = null!;
    private PipelineModel _ffm = null!;
    private RankerModel _trees = null!;
    private float[][] _candidates = null!;
    private int[] _songs = null!;
    private ItemBitSet _exclude = null!;

    [Params(100_000)]
    public int Songs { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(3);
        var ffm = Models.Random(users: 16, Songs, dimension: 64);
        var als = Models.Random(users: 16, Songs, dimension: 64, seed: 11);
        var ease = RandomNeighbours(random, Songs, neighbours: 200);
        var popularity = Enumerable.Range(0, Songs).Select(_ => MathF.Log(1 + random.Next(10_000))).ToArray();

        // The product's LightGBM settings (RankerTrainingOptions: 60 rounds, 31 leaves, ≥ 50 rows a leaf) on 10,000 synthetic candidate rows.
        _trees = RankerTrainer.Train(SyntheticRanker.CandidateRows(random, groups: 200, perGroup: 50), new RankerTrainingOptions()).Model;
        _candidates = [.. SyntheticRanker.CandidateRows(random, groups: 2, perGroup: 50).Select(r => r.Features)];
        var (leaves, depth) = Shape(_trees);
        Console.WriteLine($"// ranker: {_trees.TreeCount} trees, {leaves:F1} leaves and {depth:F1} splits from root to leaf on average");

        _ranker = new PipelineModel(ffm.Items, PipelineMode.Ranker, ffm, als, new ImplicitAlsOptions { Factors = 64 }, ease, popularity,
            recentPopularity: null, _trees, candidatesPerGenerator: 50);
        _ffm = _ranker.WithMode(PipelineMode.Ffm);
        _songs = [.. Enumerable.Range(0, 20).Select(_ => random.Next(Songs))];
        _exclude = new ItemBitSet(Songs, _songs);

        // Builds the 8-bit copies of both factor sets, as a loaded serving model has them.
        _ = _ranker.Recommend(_songs, [], 20, _exclude);
        _ = _ffm.Recommend(_songs, [], 20, _exclude);
        var candidates = new List<RankerRow>();
        _ranker.CollectRows(_songs, [], _exclude, _ => false, 0, candidates);
        Console.WriteLine($"// Ranker mode scores {candidates.Count} candidates for this listener (4 generators × 50, merged)");
    }

    [Benchmark(Baseline = true, Description = "PipelineModel.Recommend, Ffm mode, 20 songs → top 20")]
    public ScoredItem[] Ffm() => _ffm.Recommend(_songs, [], 20, _exclude);

    [Benchmark(Description = "PipelineModel.Recommend, Ranker mode, 20 songs → top 20")]
    public ScoredItem[] Ranker() => _ranker.Recommend(_songs, [], 20, _exclude);

    [Benchmark(Description = "RankerModel.Score, 100 candidates")]
    public double Score()
    {
        var sum = 0.0;
        foreach (var features in _candidates)
        {
            sum += _trees.Score(features);
        }

        return sum;
    }

    /// <summary>Leaves per tree and the mean depth of a leaf, on average over the trees.</summary>
    private static (double Leaves, double Depth) Shape(RankerModel model)
    {
        var arrays = model.Arrays;
        var depths = 0.0;
        for (var t = 0; t < model.TreeCount; t++)
        {
            var (baseNode, leafCount) = (arrays.NodeOffsets[t], arrays.LeafOffsets[t + 1] - arrays.LeafOffsets[t]);
            var pending = new Stack<(int Node, int Depth)>([(0, 0)]);
            var sum = 0;
            while (leafCount > 1 && pending.TryPop(out var next))
            {
                foreach (var child in new[] { arrays.Left[baseNode + next.Node], arrays.Right[baseNode + next.Node] })
                {
                    if (child >= 0)
                    {
                        pending.Push((child, next.Depth + 1));
                    }
                    else
                    {
                        sum += next.Depth + 1;
                    }
                }
            }

            depths += sum / (double)leafCount;
        }

        return (arrays.Leaves.Length / (double)model.TreeCount, depths / model.TreeCount);
    }

    /// <summary><paramref name="neighbours"/> random targets per song with positive weights, sorted by weight as EASE rows are.</summary>
    private static ItemNeighbours RandomNeighbours(Random random, int songs, int neighbours)
    {
        var offsets = new int[songs + 1];
        var targets = new int[songs * neighbours];
        var weights = new float[songs * neighbours];
        for (var i = 0; i < songs; i++)
        {
            offsets[i + 1] = offsets[i] + neighbours;
            for (var k = 0; k < neighbours; k++)
            {
                targets[offsets[i] + k] = random.Next(songs);
                weights[offsets[i] + k] = 0.05f / (1 + k);
            }
        }

        return new ItemNeighbours(offsets, targets, weights);
    }
}
