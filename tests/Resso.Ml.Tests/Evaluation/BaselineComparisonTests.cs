using Resso.Ml.Evaluation;
using Resso.Ml.Training;

namespace Resso.Ml.Tests.Evaluation;

public sealed class BaselineComparisonTests
{
    [Fact]
    public void Compare_SyntheticReport_ComparesEveryOtherRowWithTheBestBaseline()
    {
        // The product and the diagnostic row score higher than every baseline, but only baselines are references.
        var popular = Rows.Of("most popular", MethodRole.Baseline, 0.1, 0.1, 0.1, 0.1);
        var ease = Rows.Of("EASE", MethodRole.Baseline, 0.3, 0.2, 0.4, 0.3);
        var als = Rows.Of("ALS", MethodRole.Baseline, 0.2, 0.2, 0.3, 0.3);
        var product = Rows.Of("product", MethodRole.Product, 0.4, 0.3, 0.5, 0.4);
        var foldIn = Rows.Of("fold-in", MethodRole.Diagnostic, 0.5, 0.5, 0.5, 0.5);

        var comparisons = BaselineComparison.Compare([popular, ease, als, product, foldIn]);

        Assert.Same(ease, BaselineComparison.BestBaseline([popular, ease, als, product, foldIn]));
        Assert.Equal(["most popular", "ALS", "product", "fold-in"], comparisons.Select(c => c.Method));
        Assert.All(comparisons, c => Assert.Equal("EASE", c.Against));
        var productDifference = comparisons.Single(c => c.Method == "product").Difference;
        Assert.Equal(0.1, productDifference.Mean, 12);
        Assert.Equal(0.1, productDifference.Lower, 12);
        Assert.Equal(4, productDifference.Pairs);
        Assert.Equal(-0.05, comparisons.Single(c => c.Method == "ALS").Difference.Mean, 12);
    }

    [Fact]
    public void Compare_NoBaseline_IsEmpty()
    {
        Assert.Empty(BaselineComparison.Compare([Rows.Of("product", MethodRole.Product, 0.3, 0.4)]));
        Assert.Null(BaselineComparison.BestBaseline([Rows.Of("fold-in", MethodRole.Diagnostic, 0.3)]));
    }

    [Fact]
    public void CompareOverFolds_RowsInAnyOrder_PoolsPerUserDifferencesAgainstTheBestBaselineOverFolds()
    {
        // B wins fold 0 but A has the higher mean over folds (0.30 against 0.29); the folds list their rows in different orders.
        var folds = new[]
        {
            Rows.Report(Rows.Of("B", MethodRole.Baseline, 0.35, 0.35), Rows.Of("A", MethodRole.Baseline, 0.3, 0.3), Rows.Of("P", MethodRole.Product, 0.4, 0.3)),
            Rows.Report(Rows.Of("P", MethodRole.Product, 0.2, 0.3), Rows.Of("A", MethodRole.Baseline, 0.3, 0.3), Rows.Of("B", MethodRole.Baseline, 0.26, 0.26)),
            Rows.Report(Rows.Of("A", MethodRole.Baseline, 0.3, 0.3), Rows.Of("B", MethodRole.Baseline, 0.26, 0.26), Rows.Of("P", MethodRole.Product, 0.5, 0.5)),
        };

        var comparisons = BaselineComparison.CompareOverFolds(folds);

        Assert.Equal("A", BaselineComparison.BestBaseline(folds));
        Assert.Equal(["B", "P"], comparisons.Select(c => c.Method));
        var product = comparisons.Single(c => c.Method == "P");
        Assert.Equal("A", product.Against);
        Assert.Equal(6, product.Pooled.Pairs);
        Assert.Equal((0.1 + 0.0 - 0.1 + 0.0 + 0.2 + 0.2) / 6, product.Pooled.Mean, 12);
        Assert.Equal(3, product.FoldMeans.Count);
        Assert.Equal(0.05, product.FoldMeans[0]!.Value, 12);
        Assert.Equal(-0.05, product.FoldMeans[1]!.Value, 12);
        Assert.Equal(0.2, product.FoldMeans[2]!.Value, 12);
        Assert.Equal(2, product.FoldsWon);
        Assert.InRange(product.Pooled.Mean, product.Pooled.Lower, product.Pooled.Upper);
        Assert.Equal(1, comparisons.Single(c => c.Method == "B").FoldsWon);
    }

    [Fact]
    public void CompareOverFolds_MethodMissingInAFold_SkipsThatFold()
    {
        var folds = new[]
        {
            Rows.Report(Rows.Of("A", MethodRole.Baseline, 0.3, 0.3), Rows.Of("P", MethodRole.Product, 0.4, 0.4)),
            Rows.Report(Rows.Of("A", MethodRole.Baseline, 0.3, 0.3)),
        };

        var product = Assert.Single(BaselineComparison.CompareOverFolds(folds));

        Assert.Equal(new double?[] { 0.1, null }, product.FoldMeans.Select(m => m is { } v ? Math.Round(v, 12) : (double?)null));
        Assert.Equal(2, product.Pooled.Pairs);
        Assert.Equal(1, product.FoldsWon);
    }

    [Fact]
    public void SummarizeMethods_RowsInAnyOrder_MatchesRowsByName()
    {
        var folds = new[]
        {
            Rows.Report(Rows.Of("A", MethodRole.Baseline, 0.2), Rows.Of("P", MethodRole.Product, 0.4)),
            Rows.Report(Rows.Of("P", MethodRole.Product, 0.6), Rows.Of("A", MethodRole.Baseline, 0.4)),
        };

        var summary = CrossValidation.SummarizeMethods(folds);

        Assert.Equal(["A", "P"], summary.Select(s => s.Method));
        Assert.Equal(0.3, summary[0].Ndcg.Mean, 12);
        Assert.Equal(0.5, summary[1].Ndcg.Mean, 12);
        Assert.Equal(MethodRole.Product, summary[1].Role);
    }

    [Fact]
    public void SummarizeMethods_Stages_AveragesEachStageOverFolds()
    {
        RankingEvaluationResult Staged(double first, double second) => Rows.Of("P", MethodRole.Product, 0.4) with
        {
            Stages = [new("retrieval", TimeSpan.FromSeconds(first)), new("ranker", TimeSpan.FromSeconds(second))],
        };

        var summary = Assert.Single(CrossValidation.SummarizeMethods([Rows.Report(Staged(1, 4)), Rows.Report(Staged(3, 6))]));

        Assert.Equal(["retrieval", "ranker"], summary.Stages.Select(s => s.Name));
        Assert.Equal(2, summary.Stages[0].TrainSeconds.Mean, 12);
        Assert.Equal(5, summary.Stages[1].TrainSeconds.Mean, 12);
    }

    [Fact]
    public void Evaluate_SmallData_MarksFoldInDiagnosticAndComparesWithTheBestBaseline()
    {
        var data = SyntheticData.Clustered(users: 60, items: 40, perUser: 8);
        var options = new OfflineEvaluationOptions { Ffm = new FfmTrainingOptions { LatentDimension = 8, Epochs = 2 }, IncludeAls = false };

        var report = new OfflineEvaluator().Evaluate(data, options, cancellationToken: TestContext.Current.CancellationToken);

        var foldIn = report.Results.Single(r => r.Method.StartsWith("FFM fold-in", StringComparison.Ordinal));
        Assert.Equal(MethodRole.Diagnostic, foldIn.Role);
        Assert.Equal(["FFM", "fold-in setup"], foldIn.Stages.Select(s => s.Name));
        var best = BaselineComparison.BestBaseline(report.Results)!;
        Assert.Equal(report.Results.Where(r => r.Role == MethodRole.Baseline).Max(r => r.Ndcg), best.Ndcg);
        Assert.Equal(report.Results.Count - 1, report.Comparisons.Count);
        Assert.All(report.Comparisons, c => Assert.Equal(best.Method, c.Against));
        Assert.DoesNotContain(report.Comparisons, c => c.Method == best.Method);
    }

    [Fact]
    public void CrossValidate_SmallData_ComparesOverFolds()
    {
        var data = SyntheticData.Clustered(users: 60, items: 40, perUser: 8);
        var options = new OfflineEvaluationOptions
        {
            Ffm = new FfmTrainingOptions { LatentDimension = 8, Epochs = 2 },
            IncludeFoldIn = false,
            IncludeAls = false,
        };

        var report = new OfflineEvaluator().CrossValidate(data, 3, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(report.Summary.Count - 1, report.Comparisons.Count);
        Assert.All(report.Comparisons, c => Assert.Equal(3, c.FoldMeans.Count));
        Assert.All(report.Comparisons, c => Assert.Equal(report.FoldReports.Sum(f => f.Results[0].Users), c.Pooled.Pairs));
        Assert.All(report.FoldReports, f => Assert.Empty(f.Comparisons));
    }
}
