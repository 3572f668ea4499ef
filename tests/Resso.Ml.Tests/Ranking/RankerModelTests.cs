using Microsoft.ML;
using Resso.Ml.Ranking;

namespace Resso.Ml.Tests.Ranking;

/// <summary>ML.NET's predicted score of a row.</summary>
public sealed class RankerPrediction
{
    public float Score { get; set; }
}

/// <summary>A small LambdaRank ranker trained once on synthetic candidates.</summary>
public sealed class TrainedRankerFixture
{
    public TrainedRankerFixture()
    {
        Rows = SyntheticRows(groups: 120, perGroup: 25, seed: 3);
        (Model, Transformer, Context) = RankerTrainer.Train(Rows, Options);
    }

    public static RankerTrainingOptions Options { get; } = new() { Iterations = 30, Leaves = 8, MinimumRowsPerLeaf = 10, Seed = 5 };

    public IReadOnlyList<RankerRow> Rows { get; }

    public RankerModel Model { get; }

    public ITransformer Transformer { get; }

    public MLContext Context { get; }

    /// <summary>
    /// Candidates whose label depends on a score-like feature (0), an integer rank (1, ties at every threshold) and a
    /// popularity-like feature (9); the other features are noise.
    /// </summary>
    public static List<RankerRow> SyntheticRows(int groups, int perGroup, int seed)
    {
        var random = new Random(seed);
        var rows = new List<RankerRow>();
        for (var g = 0; g < groups; g++)
        {
            for (var r = 0; r < perGroup; r++)
            {
                var features = new float[CandidateFeatures.Count];
                for (var f = 0; f < features.Length; f++)
                {
                    features[f] = random.NextSingle() * 2 - 1;
                }

                features[CandidateFeatures.FfmRank] = 1 + random.Next(51);
                var signal = features[0] + (features[CandidateFeatures.FfmRank] <= 5 ? 0.8f : 0f) + (0.5f * features[CandidateFeatures.Popularity])
                    + (0.3f * (random.NextSingle() - 0.5f));
                rows.Add(new RankerRow { Group = (uint)g, Label = signal > 1.2f ? 2 : signal > 0.6f ? 1 : 0, Features = features });
            }
        }

        return rows;
    }

    /// <summary>ML.NET's scores of <paramref name="rows"/> under <paramref name="transformer"/>.</summary>
    public float[] MlNetScores(ITransformer transformer, IEnumerable<RankerRow> rows) =>
        [.. Context.Data.CreateEnumerable<RankerPrediction>(transformer.Transform(Context.Data.LoadFromEnumerable(rows)), reuseRowObject: false)
            .Select(p => p.Score)];
}

public sealed class RankerModelTests(TrainedRankerFixture fixture) : IClassFixture<TrainedRankerFixture>
{
    [Fact]
    public void Score_TrainingAndNewRows_EqualsMlNetPredictions()
    {
        var rows = fixture.Rows.Concat(TrainedRankerFixture.SyntheticRows(groups: 20, perGroup: 25, seed: 8)).ToList();

        var expected = fixture.MlNetScores(fixture.Transformer, rows);

        Assert.Equal(30, fixture.Model.TrainedTrees);
        Assert.Equal(30, fixture.Model.TreeCount);
        AssertScores(expected, rows.Select(r => fixture.Model.Score(r.Features)).ToArray());

        // The trees did learn something, so equal scores are not equal constants.
        Assert.True(expected.Distinct().Count() > 200, $"{expected.Distinct().Count()} distinct scores");
    }

    [Fact]
    public void Score_FeaturesExactlyAtThresholds_GoesTheWayMlNetGoes()
    {
        // For every split, a row whose split feature equals its threshold, and rows one float either side of it.
        var arrays = fixture.Model.Arrays;
        var random = new Random(2);
        var rows = new List<RankerRow>();
        for (var n = 0; n < arrays.Features.Length; n++)
        {
            foreach (var value in new[] { arrays.Thresholds[n], MathF.BitDecrement(arrays.Thresholds[n]), MathF.BitIncrement(arrays.Thresholds[n]) })
            {
                var template = fixture.Rows[random.Next(fixture.Rows.Count)].Features;
                var features = (float[])template.Clone();
                features[arrays.Features[n]] = value;
                rows.Add(new RankerRow { Group = 0, Features = features });
            }
        }

        var expected = fixture.MlNetScores(fixture.Transformer, rows);

        Assert.True(rows.Count > 100);
        AssertScores(expected, rows.Select(r => fixture.Model.Score(r.Features)).ToArray());
    }

    [Fact]
    public void Truncate_FirstTrees_EqualsAModelTrainedForThatManyRounds()
    {
        // Boosting round t depends only on the rounds before it, so the first t trees are the model trained for t rounds.
        var probe = TrainedRankerFixture.SyntheticRows(groups: 10, perGroup: 25, seed: 9);
        foreach (var trees in new[] { 1, 7, 20 })
        {
            var shorter = RankerTrainer.Train(fixture.Rows, TrainedRankerFixture.Options with { Iterations = trees });
            var truncated = fixture.Model.Truncate(trees);

            Assert.Equal(trees, truncated.TreeCount);
            Assert.Equal(trees, truncated.TrainedTrees);
            AssertScores(fixture.MlNetScores(shorter.Transformer, probe), probe.Select(r => truncated.Score(r.Features)).ToArray());
        }

        var all = fixture.Model.Truncate(fixture.Model.TrainedTrees);
        Assert.All(fixture.Rows, r => Assert.Equal(fixture.Model.Score(r.Features), all.Score(r.Features)));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Truncate(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Truncate(fixture.Model.TrainedTrees + 1));
    }

    [Fact]
    public void Truncate_EachTree_AddsOneOfItsWeightedLeaves()
    {
        var arrays = fixture.Model.Arrays;
        var features = fixture.Rows[17].Features;
        var previous = fixture.Model.Bias;
        for (var t = 1; t <= fixture.Model.TrainedTrees; t++)
        {
            var score = fixture.Model.Truncate(t).Score(features);
            var added = score - previous;
            var leaves = arrays.Leaves[arrays.LeafOffsets[t - 1]..arrays.LeafOffsets[t]];
            Assert.Contains(leaves, leaf => Math.Abs((arrays.Weights[t - 1] * leaf) - added) < 1e-12);
            previous = score;
        }

        Assert.Equal(fixture.Model.Score(features), previous);
    }

    [Fact]
    public void Score_HandBuiltTrees_WalksLeftAtTheThreshold()
    {
        var model = HandBuilt();

        // Tree 0: f1 ≤ 0.5 → leaf 0 (1); else f2 ≤ −1 → leaf 1 (2), else leaf 2 (3). Tree 1: a single leaf (10), weight 0.5.
        Assert.Equal(0.25 + 1 + 5, model.Score([0f, 0.5f, 0f]));
        Assert.Equal(0.25 + 2 + 5, model.Score([0f, 0.6f, -1f]));
        Assert.Equal(0.25 + 3 + 5, model.Score([0f, 0.6f, 0f]));
        Assert.Equal(0.25 + 3, model.Truncate(1).Score([0f, 0.6f, 0f]));
        Assert.Throws<ArgumentException>(() => model.Score([0f, 0.6f]));
    }

    public static TheoryData<string> Corruptions => ["feature", "left child", "right leaf", "leaf count", "node offsets", "thresholds",
        "weights", "decreasing offsets", "cycle", "shared child", "unreachable leaf"];

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void Constructor_CorruptArrays_Throws(string corruption)
    {
        var exception = Record.Exception(() => HandBuilt(corruption));

        Assert.IsType<ArgumentException>(exception);
    }

    /// <summary>Two trees over three features; <paramref name="corruption"/> breaks one thing.</summary>
    private static RankerModel HandBuilt(string? corruption = null)
    {
        double[] weights = [1, 0.5];
        int[] nodeOffsets = [0, 2, 2];
        int[] leafOffsets = [0, 3, 4];
        int[] features = [1, 2];
        float[] thresholds = [0.5f, -1f];
        int[] left = [~0, ~1];
        int[] right = [1, ~2];
        double[] leaves = [1, 2, 3, 10];
        switch (corruption)
        {
            case "feature": features[1] = 3; break;
            case "left child": left[0] = 2; break;
            case "right leaf": right[1] = ~3; break;
            case "leaf count": leafOffsets = [0, 2, 4]; break;
            case "node offsets": nodeOffsets = [0, 2]; break;
            case "thresholds": thresholds = [0.5f]; break;
            case "weights": weights = [1]; break;
            case "decreasing offsets": (nodeOffsets, leafOffsets, leaves) = ([0, 3, 2], [0, 4, 3], [1, 2, 3]); break; // tree 0 runs past the arrays
            case "cycle": right[1] = 1; break; // node 1 is its own right child: a walk right from it never ends
            case "shared child": right[1] = ~0; break; // leaf 0 has two parents, leaf 2 none
            case "unreachable leaf": (left[0], right[1]) = (~1, ~1); break;
            default: break;
        }

        return new RankerModel(3, 0.25, weights, nodeOffsets, leafOffsets, features, thresholds, left, right, leaves);
    }

    private static void AssertScores(float[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.True(Math.Abs(actual[k] - expected[k]) <= 1e-4 * Math.Max(1, Math.Abs(expected[k])), $"row {k}: native {actual[k]:R}, ML.NET {expected[k]:R}");
        }
    }
}
