using System.Globalization;
using System.Text;
using Resso.Ml.Evaluation;

namespace Resso.Evaluate;

/// <summary>Prints evaluation reports as Markdown tables, with each row's difference from the best baseline.</summary>
internal static class ReportTables
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The table of a single split, then the reference of the differences and the stage times.</summary>
    public static string Single(OfflineEvaluationReport report)
    {
        var k = report.Options.K;
        var text = new StringBuilder();
        var best = BaselineComparison.BestBaseline(report.Results);
        text.AppendLine(Invariant, $"{(report.Options.Validation ? "validation" : "test")} split, seed {report.Options.Seed}, {report.Results.FirstOrDefault()?.Users ?? 0} users, K = {k}");
        text.AppendLine();
        text.AppendLine(Invariant, $"| method | role | NDCG@{k} | Δ NDCG@{k} | {Level(report.Comparisons.Select(c => c.Difference))} interval | P@{k} | R@{k} | MAP@{k} | coverage@{k} | train | eval |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in report.Results)
        {
            var comparison = report.Comparisons.FirstOrDefault(c => string.Equals(c.Method, r.Method, StringComparison.Ordinal));
            var (delta, interval) = ReferenceEquals(r, best) ? ("best baseline", "—") : Difference(comparison?.Difference);
            text.AppendLine(Invariant,
                $"| {r.Method} | {Role(r.Role)} | {r.Ndcg:F4} | {delta} | {interval} | {r.Precision:F4} | {r.Recall:F4} | {r.Map:F4} | {r.Coverage:F4} | {Seconds(r.TrainTime)} | {Seconds(r.EvaluationTime)} |");
        }

        text.AppendLine();
        if (best is not null)
        {
            text.AppendLine(Invariant,
                $"Δ: paired per-user difference of NDCG@{k} from the best baseline, {best.Method}, over the users both ranked; percentile bootstrap interval over users ({BaselineComparison.Resamples} resamples, seed {report.Options.Seed}).");
        }

        var staged = report.Results.Where(r => r.Stages.Count > 0).ToArray();
        if (staged.Length > 0)
        {
            text.AppendLine("train time per stage:");
            foreach (var r in staged)
            {
                text.AppendLine(Invariant, $"  {r.Method}: {string.Join(", ", r.Stages.Select(s => $"{s.Name} {Seconds(s.TrainTime)}"))}");
            }
        }

        return text.ToString();
    }

    /// <summary>The table of a cross-validation (mean ± standard deviation over folds), then per-fold NDCG and differences and stage times.</summary>
    public static string CrossValidation(CrossValidationReport report)
    {
        var k = report.Options.K;
        var text = new StringBuilder();
        var users = report.FoldReports.Select(f => f.Results.FirstOrDefault()?.Users ?? 0).ToArray();
        var best = BaselineComparison.BestBaseline(report.FoldReports);
        text.AppendLine(Invariant, $"{report.Folds}-fold cross-validation, seed {report.Options.Seed}, {users.Min()}–{users.Max()} test users per fold, K = {k}; mean ± standard deviation over folds");
        text.AppendLine();
        text.AppendLine(Invariant,
            $"| method | role | NDCG@{k} | Δ NDCG@{k} | {Level(report.Comparisons.Select(c => c.Pooled))} interval | folds won | P@{k} | R@{k} | MAP@{k} | coverage@{k} | train |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in report.Summary)
        {
            var comparison = Comparison(report, r.Method);
            var isBest = string.Equals(r.Method, best, StringComparison.Ordinal);
            var (delta, interval) = isBest ? ("best baseline", "—") : Difference(comparison?.Pooled);
            var won = isBest || comparison is null ? "—" : string.Create(Invariant, $"{comparison.FoldsWon}/{comparison.FoldMeans.Count(m => m is not null)}");
            text.AppendLine(Invariant,
                $"| {r.Method} | {Role(r.Role)} | {Pm(r.Ndcg)} | {delta} | {interval} | {won} | {Pm(r.Precision)} | {Pm(r.Recall)} | {Pm(r.Map)} | {Pm(r.Coverage)} | {r.TrainSeconds.Mean:F2} s |");
        }

        text.AppendLine();
        if (best is not null)
        {
            text.AppendLine(Invariant,
                $"Δ: per-user difference of NDCG@{k} from the best baseline over folds, {best}, pooled over every (fold, user) pair; percentile bootstrap interval resampling users with all their folds ({BaselineComparison.Resamples} resamples, seed {report.Options.Seed}); folds won: folds whose mean difference is above zero.");
            text.AppendLine();
        }

        text.AppendLine(Invariant, $"NDCG@{k} per fold:");
        foreach (var r in report.Summary)
        {
            var perFold = report.FoldReports.Select(f =>
                f.Results.FirstOrDefault(x => string.Equals(x.Method, r.Method, StringComparison.Ordinal))?.Ndcg.ToString("F4", Invariant) ?? "—");
            text.AppendLine(Invariant, $"  {r.Method}: {string.Join(", ", perFold)}");
        }

        if (report.Comparisons.Count > 0)
        {
            text.AppendLine(Invariant, $"Δ NDCG@{k} per fold:");
            foreach (var c in report.Comparisons)
            {
                text.AppendLine(Invariant, $"  {c.Method}: {string.Join(", ", c.FoldMeans.Select(m => m is { } mean ? Signed(mean) : "—"))}");
            }
        }

        var staged = report.Summary.Where(r => r.Stages.Count > 0).ToArray();
        if (staged.Length > 0)
        {
            text.AppendLine("train time per stage, mean over folds:");
            foreach (var r in staged)
            {
                text.AppendLine(Invariant, $"  {r.Method}: {string.Join(", ", r.Stages.Select(s => string.Create(Invariant, $"{s.Name} {s.TrainSeconds.Mean:F2} s")))}");
            }
        }

        return text.ToString();

        static string Pm(MetricSummary m) => string.Create(CultureInfo.InvariantCulture, $"{m.Mean:F4} ± {m.StandardDeviation:F4}");
    }

    private static string Seconds(TimeSpan span) =>
        span.TotalSeconds < 0.01 ? "< 0.01 s" : string.Create(Invariant, $"{span.TotalSeconds:F2} s");

    private static CrossValidationComparison? Comparison(CrossValidationReport report, string method) =>
        report.Comparisons.FirstOrDefault(c => string.Equals(c.Method, method, StringComparison.Ordinal));

    private static (string Delta, string Interval) Difference(PairedDifference? difference) =>
        difference is null ? ("—", "—") : (Signed(difference.Mean), $"[{Signed(difference.Lower)}, {Signed(difference.Upper)}]");

    private static string Signed(double value) => value.ToString("+0.0000;-0.0000;0.0000", Invariant);

    private static string Level(IEnumerable<PairedDifference> differences) =>
        string.Create(Invariant, $"{(differences.FirstOrDefault()?.Confidence ?? BaselineComparison.Confidence) * 100:0.#} %");

    private static string Role(MethodRole role) => role switch
    {
        MethodRole.Product => "**product**",
        MethodRole.Diagnostic => "diagnostic",
        _ => "baseline",
    };
}
