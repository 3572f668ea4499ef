using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Ranking;

namespace Resso.Ml.Tests.Ranking;

public sealed class EaseNeighboursTests
{
    // Random binary data: the primal path inverts items × items (fewer songs than listeners), the dual listeners × listeners.
    [Theory]
    [InlineData(30, 12, "primal")]
    [InlineData(12, 30, "dual")]
    public void Fit_NoPruning_RowsArePositiveEaseWeightsAndAccumulateMatchesExactScorer(int users, int items, string path)
    {
        var data = RandomData(users, items, perUser: 5, seed: users * 31 + items);
        const double lambda = 2;
        var reference = DenseReference.EaseWeights(data, lambda);
        var exact = Ease.Fit(data, lambda);
        Assert.StartsWith(path, exact.Description, StringComparison.Ordinal);

        var neighbours = EaseNeighbours.Fit(data, lambda, neighbours: items);

        // Each row holds exactly the positive off-diagonal weights of B (none dropped, no negative or self weight kept).
        var positive = 0;
        var negative = 0;
        for (var i = 0; i < items; i++)
        {
            var targets = neighbours.TargetsOf(i).ToArray();
            var weights = neighbours.WeightsOf(i).ToArray();
            Assert.DoesNotContain(i, targets);
            for (var j = 0; j < items; j++)
            {
                var at = Array.IndexOf(targets, j);
                if (reference[i, j] > 1e-6)
                {
                    Assert.True(at >= 0, $"B[{i},{j}] = {reference[i, j]:G6} is missing from row {i}");
                    Assert.Equal(reference[i, j], weights[at], 1e-5);
                    positive++;
                }
                else if (reference[i, j] < -1e-6)
                {
                    Assert.True(at < 0, $"B[{i},{j}] = {reference[i, j]:G6} is negative but kept");
                    negative++;
                }
            }
        }

        // The data must give both signs, or the comparison above shows little.
        Assert.True(positive > items && negative > items, $"{positive} positive and {negative} negative weights");

        // x_u·B⁺ from Accumulate = the exact EASE score + the negative weights pruned away, for every song the listener lacks.
        var exactScores = new float[items];
        var accumulated = new float[items];
        for (var u = 0; u < users; u++)
        {
            var own = data.ItemsOf(u);
            Array.Clear(exactScores);
            Array.Clear(accumulated);
            exact.Scorer(u, exactScores);
            neighbours.Accumulate(own, accumulated);
            for (var j = 0; j < items; j++)
            {
                if (data.Contains(u, j))
                {
                    continue;
                }

                var dropped = 0.0;
                var full = 0.0;
                foreach (var i in own)
                {
                    dropped += Math.Max(0, -reference[i, j]);
                    full += reference[i, j];
                }

                Assert.Equal(full, exactScores[j], 1e-4); // the reference is EASE as the evaluator computes it
                Assert.Equal(exactScores[j] + dropped, accumulated[j], 1e-4);
            }
        }
    }

    [Theory]
    [InlineData(30, 12)]
    [InlineData(12, 30)]
    public void Fit_Pruned_KeepsTheLargestWeightsOfEachRow(int users, int items)
    {
        var data = RandomData(users, items, perUser: 5, seed: 9);
        var full = EaseNeighbours.Fit(data, 2, neighbours: items);

        var pruned = EaseNeighbours.Fit(data, 2, neighbours: 3);

        for (var i = 0; i < items; i++)
        {
            var expected = full.TargetsOf(i).ToArray()
                .Zip(full.WeightsOf(i).ToArray())
                .OrderByDescending(p => p.Second).ThenBy(p => p.First).Take(3).ToArray();
            Assert.Equal(expected.Select(p => p.First), pruned.TargetsOf(i).ToArray());
            Assert.Equal(expected.Select(p => p.Second), pruned.WeightsOf(i).ToArray());
        }

        Assert.True(pruned.Count < full.Count);
    }

    [Theory]
    [InlineData(30, 12)]
    [InlineData(12, 30)]
    public void Fit_MoreNeighboursThanSongs_KeepsEveryPositiveWeight(int users, int items)
    {
        var data = RandomData(users, items, perUser: 5, seed: 10);
        var all = EaseNeighbours.Fit(data, 2, neighbours: items);

        var unbounded = EaseNeighbours.Fit(data, 2, neighbours: int.MaxValue);

        Assert.Equal(all.Offsets.ToArray(), unbounded.Offsets.ToArray());
        Assert.Equal(all.Targets.ToArray(), unbounded.Targets.ToArray());
        Assert.Equal(all.Weights.ToArray(), unbounded.Weights.ToArray());
    }

    [Fact]
    public void Fit_DualAcrossTargetBlocks_RowsMatchExactScorerOfSingleSongListeners()
    {
        // 4,500 songs: the dual computes targets in blocks of 2,048, so rows span three blocks, the last one partial.
        // A listener with a single song i is scored by exact EASE with row i of B (x_u = e_i), so those rows are read
        // off the evaluator's exact dual and compared with the blocked, pruned one.
        const int items = 4_500;
        const double lambda = 3;
        int[] single = [5, 2_047, 2_048, 3_000, 4_095, 4_096, 4_499];
        var random = new Random(17);
        var userIndices = new List<int>();
        var itemIndices = new List<int>();
        const int regular = 40;
        for (var u = 0; u < regular; u++)
        {
            // Each single song is also among a few regular listeners' (a song nobody else has gets an empty row).
            foreach (var item in Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(250).Concat(u % 4 == 0 ? single : []).Distinct())
            {
                userIndices.Add(u);
                itemIndices.Add(item);
            }
        }

        for (var s = 0; s < single.Length; s++)
        {
            userIndices.Add(regular + s);
            itemIndices.Add(single[s]);
        }

        var data = Create(regular + single.Length, items, userIndices, itemIndices);
        var exact = Ease.Fit(data, lambda);
        Assert.StartsWith("dual", exact.Description, StringComparison.Ordinal);

        var neighbours = EaseNeighbours.Fit(data, lambda, neighbours: items);

        var scores = new float[items];
        for (var s = 0; s < single.Length; s++)
        {
            var i = single[s];
            Array.Clear(scores);
            exact.Scorer(regular + s, scores);
            var row = neighbours.TargetsOf(i).ToArray().Zip(neighbours.WeightsOf(i).ToArray()).ToDictionary(p => p.First, p => p.Second);
            var largest = scores.Where((_, j) => j != i).Max(Math.Abs);
            var tolerance = 1e-4 * largest;
            var compared = 0;
            for (var j = 0; j < items; j++)
            {
                if (j == i)
                {
                    Assert.False(row.ContainsKey(j));
                }
                else if (scores[j] > tolerance)
                {
                    Assert.True(row.TryGetValue(j, out var weight), $"B[{i},{j}] = {scores[j]:G6} is missing");
                    Assert.Equal(scores[j], weight, tolerance);
                    compared++;
                }
                else if (scores[j] < -tolerance)
                {
                    Assert.False(row.ContainsKey(j), $"B[{i},{j}] = {scores[j]:G6} is negative but kept");
                }
            }

            // Every block has weights compared in this row.
            Assert.True(compared > 100, $"row {i}: {compared} weights compared");
            Assert.Contains(row.Keys, j => j < 2_048);
            Assert.Contains(row.Keys, j => j is >= 2_048 and < 4_096);
            Assert.Contains(row.Keys, j => j >= 4_096);
        }
    }

    [Fact]
    public void Applies_CountsOnlyListenersAndSongsWithData()
    {
        var data = Create(3, 5, [0, 1, 2], [1, 1, 3]);

        Assert.True(EaseNeighbours.Applies(data));
        Assert.False(EaseNeighbours.Applies(Create(3, 5, [], [])));
    }

    private static InteractionData RandomData(int users, int items, int perUser, int seed)
    {
        var random = new Random(seed);
        var userIndices = new List<int>();
        var itemIndices = new List<int>();
        for (var u = 0; u < users; u++)
        {
            foreach (var item in Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(perUser))
            {
                userIndices.Add(u);
                itemIndices.Add(item);
            }
        }

        return Create(users, items, userIndices, itemIndices);
    }

    private static InteractionData Create(int users, int items, IReadOnlyList<int> userIndices, IReadOnlyList<int> itemIndices) =>
        InteractionData.Create(
            new IdMap(Enumerable.Range(0, users).Select(u => $"u{u}")),
            new IdMap(Enumerable.Range(0, items).Select(i => $"i{i}")),
            [.. userIndices], [.. itemIndices], [.. Enumerable.Repeat(1f, userIndices.Count)]);
}
