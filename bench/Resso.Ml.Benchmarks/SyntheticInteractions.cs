using System.Globalization;
using Resso.Ml.Data;

namespace Resso.Ml.Benchmarks;

/// <summary>
/// A synthetic listening data set shaped like the traffic generator's world (tools/Resso.Traffic): songs in taste
/// clusters with Zipf popularity inside each cluster and over the whole catalog, users with one or two favourite
/// clusters and power-law activity. Built directly as <see cref="InteractionData"/> so that 10 M distinct
/// (user, song) pairs take seconds rather than the minutes of generating and merging 10 M+ events.
/// </summary>
internal static class SyntheticInteractions
{
    /// <summary>Builds exactly <paramref name="interactions"/> distinct (user, song) pairs (fewer only if users run out of songs).</summary>
    /// <param name="interactions">Distinct pairs wanted.</param>
    /// <param name="users">Users (ids u_000000…).</param>
    /// <param name="songs">Songs (ids s_000000…).</param>
    /// <param name="clusters">Taste clusters.</param>
    /// <param name="seed">Seeds everything.</param>
    public static InteractionData Create(int interactions, int users, int songs, int clusters = 24, int seed = 42)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(songs, clusters);
        var random = new Random(seed);

        // Songs: a random cluster each (round robin over a permutation, so none is empty) and a random popularity order.
        var order = Enumerable.Range(0, songs).ToArray();
        random.Shuffle(order);
        var clusterSongs = new List<int>[clusters];
        for (var c = 0; c < clusters; c++)
        {
            clusterSongs[c] = [];
        }

        for (var rank = 0; rank < songs; rank++)
        {
            clusterSongs[rank % clusters].Add(order[rank]);
        }

        var global = new Zipf(songs, 1.1);
        var local = clusterSongs.Select(c => new Zipf(c.Count, 1.1)).ToArray();

        // Activity: Pareto(α = 1.2) weights scaled to the wanted total, at least 1 and at most half of a cluster each.
        var cap = Math.Max(1, songs / clusters / 2);
        var weights = new double[users];
        for (var u = 0; u < users; u++)
        {
            weights[u] = Math.Pow(1 - random.NextDouble(), -1 / 1.2);
        }

        var counts = Scale(weights, interactions, cap);
        var total = counts.Sum(c => (long)c);
        var userIndices = new int[total];
        var itemIndices = new int[total];
        var seen = new HashSet<int>();
        var position = 0;
        for (var u = 0; u < users; u++)
        {
            var first = random.Next(clusters);
            var second = clusters > 1 && random.NextDouble() < 0.45 ? (first + 1 + random.Next(clusters - 1)) % clusters : first;
            seen.Clear();
            var attempts = 0;
            while (seen.Count < counts[u] && attempts++ < 50 * counts[u])
            {
                int song;
                if (random.NextDouble() < 0.8)
                {
                    var cluster = random.NextDouble() < 0.6 ? first : second;
                    song = clusterSongs[cluster][local[cluster].Sample(random)];
                }
                else
                {
                    song = order[global.Sample(random)];
                }

                if (seen.Add(song))
                {
                    userIndices[position] = u;
                    itemIndices[position] = song;
                    position++;
                }
            }
        }

        var weightsOut = new float[position];
        Array.Fill(weightsOut, 1f);
        return InteractionData.Create(
            new IdMap(Enumerable.Range(0, users).Select(u => "u_" + u.ToString("D6", CultureInfo.InvariantCulture))),
            new IdMap(Enumerable.Range(0, songs).Select(s => "s_" + s.ToString("D6", CultureInfo.InvariantCulture))),
            userIndices.AsSpan(0, position), itemIndices.AsSpan(0, position), weightsOut);
    }

    private static int[] Scale(double[] weights, int total, int cap)
    {
        // Find the multiplier whose clamped, rounded counts add up to the total (bisection; counts are monotone in it).
        double low = 0, high = total;
        var counts = new int[weights.Length];
        for (var iteration = 0; iteration < 100; iteration++)
        {
            var mid = (low + high) / 2;
            var sum = 0L;
            foreach (var w in weights)
            {
                sum += Math.Clamp((long)Math.Round(w * mid), 1, cap);
            }

            if (sum < total)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        for (var u = 0; u < weights.Length; u++)
        {
            counts[u] = (int)Math.Clamp((long)Math.Round(weights[u] * high), 1, cap);
        }

        return counts;
    }

    /// <summary>Draws ranks 0…n−1 with probability ∝ (rank + 1)^−s.</summary>
    private sealed class Zipf
    {
        private readonly double[] _cumulative;

        public Zipf(int count, double exponent)
        {
            _cumulative = new double[count];
            var sum = 0.0;
            for (var k = 0; k < count; k++)
            {
                sum += Math.Pow(k + 1, -exponent);
                _cumulative[k] = sum;
            }
        }

        public int Sample(Random random)
        {
            var index = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
            return Math.Min(index < 0 ? ~index : index, _cumulative.Length - 1);
        }
    }
}
