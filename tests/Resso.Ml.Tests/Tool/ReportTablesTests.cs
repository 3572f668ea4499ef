using Resso.Evaluate;
using Resso.Ml.Evaluation;
using Resso.Ml.Tests.Evaluation;

namespace Resso.Ml.Tests.Tool;

public sealed class ReportTablesTests
{
    private static OfflineEvaluationReport Report()
    {
        var product = Rows.Of("two-stage product", MethodRole.Product, 0.4, 0.3, 0.5, 0.4) with
        {
            Stages = [new("retrieval", TimeSpan.FromSeconds(2.5)), new("ranker", TimeSpan.FromSeconds(1.25))],
        };
        var report = Rows.Report(Rows.Of("most popular", MethodRole.Baseline, 0.1, 0.1, 0.1, 0.1), Rows.Of("EASE", MethodRole.Baseline, 0.3, 0.2, 0.4, 0.3),
            product, Rows.Of("fold-in", MethodRole.Diagnostic, 0.3, 0.3, 0.3, 0.3));
        return report with { Comparisons = BaselineComparison.Compare(report.Results) };
    }

    private static string Line(string table, string start) =>
        table.Split('\n').Single(l => l.StartsWith(start, StringComparison.Ordinal));

    [Fact]
    public void Single_Report_PrintsDifferenceFromTheBestBaselineWithItsInterval()
    {
        var table = ReportTables.Single(Report());

        Assert.Contains("| method | role | NDCG@10 | Δ NDCG@10 | 95 % interval |", table, StringComparison.Ordinal);
        Assert.Contains("| +0.1000 | [+0.1000, +0.1000] |", Line(table, "| two-stage product | **product** |"), StringComparison.Ordinal);
        Assert.Contains("| best baseline | — |", Line(table, "| EASE | baseline |"), StringComparison.Ordinal);
        Assert.Contains("| -0.2000 |", Line(table, "| most popular | baseline |"), StringComparison.Ordinal);
        Assert.StartsWith("| fold-in | diagnostic |", Line(table, "| fold-in"), StringComparison.Ordinal);
        Assert.Contains("from the best baseline, EASE,", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_RowWithStages_PrintsEachStageTimeBelowTheTable()
    {
        var table = ReportTables.Single(Report());

        Assert.Contains("train time per stage:", table, StringComparison.Ordinal);
        Assert.Contains("  two-stage product: retrieval 2.50 s, ranker 1.25 s", table, StringComparison.Ordinal);
        Assert.DoesNotContain("  EASE:", table, StringComparison.Ordinal);
    }

    [Fact]
    public void CrossValidation_Report_PrintsPooledDifferenceAndFoldsWon()
    {
        var folds = new[]
        {
            Rows.Report(Rows.Of("A", MethodRole.Baseline, 0.3, 0.3), Rows.Of("P", MethodRole.Product, 0.4, 0.3)),
            Rows.Report(Rows.Of("P", MethodRole.Product, 0.2, 0.3), Rows.Of("A", MethodRole.Baseline, 0.3, 0.3)),
        };
        var report = new CrossValidationReport(2, 10, 40, 2, new OfflineEvaluationOptions(), folds, CrossValidation.SummarizeMethods(folds))
        {
            Comparisons = BaselineComparison.CompareOverFolds(folds),
        };

        var table = ReportTables.CrossValidation(report);

        Assert.Contains("| method | role | NDCG@10 | Δ NDCG@10 | 95 % interval | folds won |", table, StringComparison.Ordinal);
        Assert.Contains("| 0.0000 | [", Line(table, "| P | **product** |"), StringComparison.Ordinal);
        Assert.Contains("| 1/2 |", Line(table, "| P | **product** |"), StringComparison.Ordinal);
        Assert.Contains("| best baseline | — | — |", Line(table, "| A | baseline |"), StringComparison.Ordinal);
        Assert.Contains("  P: +0.0500, -0.0500", table, StringComparison.Ordinal);
        Assert.Contains("  A: 0.3000, 0.3000", table, StringComparison.Ordinal);
    }
}
