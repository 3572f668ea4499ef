using Resso.Ml.Evaluation;

namespace Resso.Ml.Tests.Evaluation;

public sealed class RankingMetricsTests
{
    // Ranked [10, 20, 30, 40], relevant {20, 40, 99}: hits at ranks 2 and 4 (1-based).
    private static readonly int[] Ranked = [10, 20, 30, 40];
    private static readonly HashSet<int> Relevant = [20, 40, 99];

    [Fact]
    public void Precision_TwoHitsInFour_IsHalf()
    {
        Assert.Equal(0.5, RankingMetrics.Precision(Ranked, Relevant, 4), 12);
        Assert.Equal(1 / 3.0, RankingMetrics.Precision(Ranked, Relevant, 3), 12);
    }

    [Fact]
    public void Recall_TwoOfThreeRelevant_IsTwoThirds()
    {
        Assert.Equal(2 / 3.0, RankingMetrics.Recall(Ranked, Relevant, 4), 12);
    }

    [Fact]
    public void Ndcg_HitsAtRanksTwoAndFour_MatchesHandComputation()
    {
        var dcg = (1 / Math.Log2(3)) + (1 / Math.Log2(5));
        var ideal = 1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4));

        Assert.Equal(dcg / ideal, RankingMetrics.Ndcg(Ranked, Relevant, 4), 12);
        Assert.Equal(1.0, RankingMetrics.Ndcg([20, 40, 99], Relevant, 3), 12);
    }

    [Fact]
    public void AveragePrecision_HitsAtRanksTwoAndFour_MatchesHandComputation()
    {
        // (1/2 + 2/4) / min(4, 3)
        Assert.Equal((0.5 + 0.5) / 3, RankingMetrics.AveragePrecision(Ranked, Relevant, 4), 12);
        Assert.Equal(1.0, RankingMetrics.AveragePrecision([99], new HashSet<int> { 99 }, 10), 12);
    }

    [Fact]
    public void Coverage_DistinctItemsInTopK_OverCatalog()
    {
        int[][] lists = [[1, 2, 3], [2, 3, 4], [9, 1, 8]];

        // Top 2 of each: {1, 2}, {2, 3}, {9, 1} → 4 distinct items.
        Assert.Equal(4 / 10.0, RankingMetrics.Coverage(lists, 10, 2), 12);
    }

    [Fact]
    public void Metrics_NoRelevantItems_AreZero()
    {
        HashSet<int> none = [];

        Assert.Equal(0, RankingMetrics.Ndcg(Ranked, none, 4));
        Assert.Equal(0, RankingMetrics.Recall(Ranked, none, 4));
        Assert.Equal(0, RankingMetrics.AveragePrecision(Ranked, none, 4));
    }
}
