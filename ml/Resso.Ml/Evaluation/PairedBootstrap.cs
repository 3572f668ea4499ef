namespace Resso.Ml.Evaluation;

/// <summary>The mean of paired differences (a − b) with a percentile bootstrap interval.</summary>
/// <param name="Mean">Mean of a − b over the pairs.</param>
/// <param name="Lower">Lower bound of the interval.</param>
/// <param name="Upper">Upper bound of the interval.</param>
/// <param name="Pairs">How many pairs.</param>
/// <param name="Confidence">The interval's confidence level, e.g. 0.95.</param>
public sealed record PairedDifference(double Mean, double Lower, double Upper, int Pairs, double Confidence)
{
    /// <summary>The interval lies wholly above zero: a is better than b at this confidence.</summary>
    public bool SignificantlyAbove => Lower > 0;

    /// <summary>The interval lies wholly below zero: a is worse than b at this confidence.</summary>
    public bool SignificantlyBelow => Upper < 0;

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Mean:+0.0000;-0.0000} [{Lower:+0.0000;-0.0000}, {Upper:+0.0000;-0.0000}]");
}

/// <summary>
/// Paired comparison of two methods on the same users: the per-user differences are resampled with
/// replacement (seeded) and the interval is read from the percentiles of the resampled means.
/// </summary>
public static class PairedBootstrap
{
    /// <summary>Compares per-user values of method a with method b (same users, same order).</summary>
    /// <param name="a">Per-user values of method a.</param>
    /// <param name="b">Per-user values of method b, aligned with <paramref name="a"/>.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="confidence">Confidence level of the interval.</param>
    /// <param name="seed">Seeds the resampling.</param>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static PairedDifference Compare(IReadOnlyList<double> a, IReadOnlyList<double> b, int resamples = 2_000, double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(confidence, 1);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"Paired values must align: {a.Count} against {b.Count}.", nameof(b));
        }

        var n = a.Count;
        if (n == 0)
        {
            return new PairedDifference(0, 0, 0, 0, confidence);
        }

        var differences = new double[n];
        var sum = 0.0;
        for (var i = 0; i < n; i++)
        {
            differences[i] = a[i] - b[i];
            sum += differences[i];
        }

        var random = new Random(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var total = 0.0;
            for (var i = 0; i < n; i++)
            {
                total += differences[random.Next(n)];
            }

            means[r] = total / n;
        }

        Array.Sort(means);
        var tail = (1 - confidence) / 2;
        return new PairedDifference(sum / n, Percentile(means, tail), Percentile(means, 1 - tail), n, confidence);
    }

    /// <summary>
    /// Compares paired values that come in clusters, such as one user's pairs over the folds of a cross-validation:
    /// the mean is over all pairs, and the bootstrap resamples whole clusters, because the pairs of one cluster are
    /// correlated and resampling them one by one would narrow the interval as if they were independent.
    /// </summary>
    /// <param name="a">Values of method a.</param>
    /// <param name="b">Values of method b, aligned with <paramref name="a"/>.</param>
    /// <param name="clusters">The cluster of each pair (any integers, e.g. user indices).</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="confidence">Confidence level of the interval.</param>
    /// <param name="seed">Seeds the resampling.</param>
    /// <exception cref="ArgumentException">The lists differ in length.</exception>
    public static PairedDifference CompareClustered(IReadOnlyList<double> a, IReadOnlyList<double> b, IReadOnlyList<int> clusters, int resamples = 2_000,
        double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(confidence, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(confidence, 1);
        if (a.Count != b.Count || a.Count != clusters.Count)
        {
            throw new ArgumentException($"Paired values must align: {a.Count} against {b.Count} with {clusters.Count} clusters.", nameof(clusters));
        }

        var n = a.Count;
        if (n == 0)
        {
            return new PairedDifference(0, 0, 0, 0, confidence);
        }

        // Sum and count per cluster, clusters in order of first appearance so the result does not depend on their ids.
        var index = new Dictionary<int, int>();
        var sums = new List<double>();
        var counts = new List<int>();
        var total = 0.0;
        for (var i = 0; i < n; i++)
        {
            if (!index.TryGetValue(clusters[i], out var c))
            {
                c = sums.Count;
                index.Add(clusters[i], c);
                sums.Add(0);
                counts.Add(0);
            }

            var difference = a[i] - b[i];
            sums[c] += difference;
            counts[c]++;
            total += difference;
        }

        var m = sums.Count;
        var random = new Random(seed);
        var means = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var sum = 0.0;
            var count = 0;
            for (var i = 0; i < m; i++)
            {
                var c = random.Next(m);
                sum += sums[c];
                count += counts[c];
            }

            means[r] = sum / count;
        }

        Array.Sort(means);
        var tail = (1 - confidence) / 2;
        return new PairedDifference(total / n, Percentile(means, tail), Percentile(means, 1 - tail), n, confidence);
    }

    /// <summary>Aligns two results on the users both evaluated and compares their NDCG.</summary>
    public static PairedDifference CompareNdcg(RankingEvaluationResult a, RankingEvaluationResult b, int resamples = 2_000, double confidence = 0.95, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var (x, y) = Align(a, b);
        return Compare(x, y, resamples, confidence, seed);
    }

    /// <summary>The per-user NDCG of the users present in both results, in user order.</summary>
    public static (double[] A, double[] B) Align(RankingEvaluationResult a, RankingEvaluationResult b)
    {
        var (_, x, y) = AlignUsers(a, b);
        return (x, y);
    }

    /// <summary>The users present in both results, in user order, with their NDCG in each.</summary>
    public static (int[] Users, double[] A, double[] B) AlignUsers(RankingEvaluationResult a, RankingEvaluationResult b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var users = new List<int>();
        var x = new List<double>();
        var y = new List<double>();
        int i = 0, j = 0;
        while (i < a.UserIndices.Count && j < b.UserIndices.Count)
        {
            var (u, v) = (a.UserIndices[i], b.UserIndices[j]);
            if (u == v)
            {
                users.Add(u);
                x.Add(a.UserNdcg[i++]);
                y.Add(b.UserNdcg[j++]);
            }
            else if (u < v)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return ([.. users], [.. x], [.. y]);
    }

    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(sorted.Length - 1, low + 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (position - low));
    }
}
