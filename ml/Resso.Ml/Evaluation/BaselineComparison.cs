namespace Resso.Ml.Evaluation;

/// <summary>One method's paired per-user NDCG@K difference against a reference method on one split.</summary>
/// <param name="Method">The compared method.</param>
/// <param name="Against">The reference method: the best baseline.</param>
/// <param name="Difference">Method − reference over the users both ranked, with a bootstrap interval over users.</param>
public sealed record MethodComparison(string Method, string Against, PairedDifference Difference);

/// <summary>One method's per-user NDCG@K difference against a reference method over the folds of a cross-validation.</summary>
/// <param name="Method">The compared method.</param>
/// <param name="Against">The reference method: the baseline with the highest mean NDCG over folds.</param>
/// <param name="Pooled">Method − reference over every (fold, user) pair; the interval resamples users with all their folds.</param>
/// <param name="FoldMeans">The mean difference in each fold, fold 0 first; null where the fold lacks either method.</param>
/// <param name="FoldsWon">Folds whose mean difference is above zero.</param>
public sealed record CrossValidationComparison(string Method, string Against, PairedDifference Pooled, IReadOnlyList<double?> FoldMeans, int FoldsWon);

/// <summary>
/// Compares every row of an evaluation with the best baseline (<see cref="MethodRole.Baseline"/> with the highest mean
/// NDCG@K) through paired per-user differences, so that a gap is read together with its uncertainty.
/// </summary>
public static class BaselineComparison
{
    /// <summary>Bootstrap resamples of the comparisons.</summary>
    public const int Resamples = 2_000;

    /// <summary>Confidence level of the comparisons' intervals.</summary>
    public const double Confidence = 0.95;

    /// <summary>The baseline row with the highest NDCG (the first of equals); null when there is no baseline.</summary>
    /// <param name="results">The rows of one split.</param>
    public static RankingEvaluationResult? BestBaseline(IEnumerable<RankingEvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        return results.Where(r => r.Role == MethodRole.Baseline).MaxBy(r => r.Ndcg);
    }

    /// <summary>Compares every row but the best baseline itself with the best baseline; empty when there is no baseline.</summary>
    /// <param name="results">The rows of one split, with their per-user NDCG.</param>
    /// <param name="seed">Seeds the bootstrap.</param>
    public static IReadOnlyList<MethodComparison> Compare(IReadOnlyList<RankingEvaluationResult> results, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(results);
        if (BestBaseline(results) is not { } best)
        {
            return [];
        }

        return
        [
            .. results.Where(r => !ReferenceEquals(r, best))
                .Select(r => new MethodComparison(r.Method, best.Method, PairedBootstrap.CompareNdcg(r, best, Resamples, Confidence, seed))),
        ];
    }

    /// <summary>The name of the baseline with the highest NDCG averaged over the folds it ran in; null when there is no baseline.</summary>
    /// <param name="folds">One report per fold; rows are matched by method name.</param>
    public static string? BestBaseline(IReadOnlyList<OfflineEvaluationReport> folds)
    {
        ArgumentNullException.ThrowIfNull(folds);
        return folds.SelectMany(f => f.Results)
            .Where(r => r.Role == MethodRole.Baseline)
            .GroupBy(r => r.Method, StringComparer.Ordinal)
            .MaxBy(g => g.Average(r => r.Ndcg))?.Key;
    }

    /// <summary>
    /// Compares every method but the best baseline with the best baseline over all folds: the per-user differences of
    /// every fold are pooled and bootstrapped by user (a user's pairs in different folds are resampled together, as
    /// they are correlated), and each fold's mean difference is kept. Empty when there is no baseline.
    /// </summary>
    /// <param name="folds">One report per fold, with per-user NDCG; rows are matched by method name.</param>
    /// <param name="seed">Seeds the bootstrap.</param>
    public static IReadOnlyList<CrossValidationComparison> CompareOverFolds(IReadOnlyList<OfflineEvaluationReport> folds, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(folds);
        if (BestBaseline(folds) is not { } against)
        {
            return [];
        }

        var methods = folds.SelectMany(f => f.Results).Select(r => r.Method).Distinct(StringComparer.Ordinal)
            .Where(m => !string.Equals(m, against, StringComparison.Ordinal));
        var comparisons = new List<CrossValidationComparison>();
        foreach (var method in methods)
        {
            var users = new List<int>();
            var a = new List<double>();
            var b = new List<double>();
            var foldMeans = new double?[folds.Count];
            for (var fold = 0; fold < folds.Count; fold++)
            {
                if (Find(folds[fold], method) is not { } row || Find(folds[fold], against) is not { } reference)
                {
                    continue;
                }

                var (u, x, y) = PairedBootstrap.AlignUsers(row, reference);
                users.AddRange(u);
                a.AddRange(x);
                b.AddRange(y);
                if (u.Length > 0)
                {
                    foldMeans[fold] = x.Zip(y, (p, q) => p - q).Average();
                }
            }

            var pooled = PairedBootstrap.CompareClustered(a, b, users, Resamples, Confidence, seed);
            comparisons.Add(new CrossValidationComparison(method, against, pooled, foldMeans, foldMeans.Count(m => m > 0)));
        }

        return comparisons;
    }

    private static RankingEvaluationResult? Find(OfflineEvaluationReport report, string method) =>
        report.Results.FirstOrDefault(r => string.Equals(r.Method, method, StringComparison.Ordinal));
}
