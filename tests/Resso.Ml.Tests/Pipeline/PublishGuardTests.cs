using System.Globalization;
using Resso.Ml.Evaluation;
using Resso.Ml.Pipeline;
using Resso.Ml.Store;

namespace Resso.Ml.Tests.Pipeline;

public sealed class PublishGuardTests
{
    private const int Users = 400;

    /// <summary>A ranking of <see cref="Users"/> held-out users with per-user NDCG from <paramref name="ndcgOf"/>.</summary>
    private static RankingEvaluationResult Ranking(string method, Func<int, double> ndcgOf)
    {
        var ndcg = Enumerable.Range(0, Users).Select(ndcgOf).ToArray();
        return new RankingEvaluationResult(method, 10, Users, 0, 0, ndcg.Average(), 0, 0, TimeSpan.Zero, TimeSpan.Zero)
        {
            UserIndices = Enumerable.Range(0, Users).ToArray(),
            UserNdcg = ndcg,
        };
    }

    private static double CurrentNdcgOf(int user) => 0.3 + (0.4 * new Random(user).NextDouble());

    /// <summary>The current model's per-user NDCG, spread over [0.3, 0.7).</summary>
    private static RankingEvaluationResult Current() => Ranking("current", CurrentNdcgOf);

    /// <summary>
    /// The current model's NDCG per user plus <paramref name="shift"/> and noise of up to ± <paramref name="noise"/>, drawn
    /// for users in pairs of opposite sign: the mean difference is exactly the shift.
    /// </summary>
    private static RankingEvaluationResult Candidate(double shift, double noise, int seed = 7)
    {
        var random = new Random(seed);
        var draws = Enumerable.Range(0, Users / 2).Select(_ => noise * random.NextDouble()).ToArray();
        return Ranking("candidate", u => CurrentNdcgOf(u) + shift + (u % 2 == 0 ? draws[u / 2] : -draws[u / 2]));
    }

    private static RecommenderOptions Options(double tolerance = 0.01) => new() { PublishTolerance = tolerance };

    private static string Figures(NdcgDifference d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d.Mean:+0.0000;-0.0000;0.0000} [{d.Lower:+0.0000;-0.0000;0.0000}, {d.Upper:+0.0000;-0.0000;0.0000}] over {d.Pairs} held-out users");

    [Fact]
    public void Decide_NoCurrentModel_Publishes()
    {
        var decision = PublishGuard.Decide(Candidate(0, 0.1), current: null, currentVersion: null, Options());

        Assert.True(decision.Published);
        Assert.Null(decision.Difference);
        Assert.Null(decision.CurrentNdcg);
        Assert.Equal("no model is published yet", decision.Reason);
    }

    [Fact]
    public void Decide_CandidateSignificantlyWorse_IsRefusedAndTheReasonStatesTheInterval()
    {
        var current = Current();
        var candidate = Candidate(-0.05, 0.2);

        var decision = PublishGuard.Decide(candidate, current, "v1", Options());

        Assert.False(decision.Published);
        var d = Assert.IsType<NdcgDifference>(decision.Difference);
        Assert.Equal(Users, d.Pairs);
        Assert.Equal(candidate.Ndcg - current.Ndcg, d.Mean, 12);
        Assert.True(d.Upper < 0 && d.Mean < -0.01, Figures(d));
        Assert.Equal(0.95, d.Confidence);
        Assert.Contains(Figures(d), decision.Reason, StringComparison.Ordinal);
        Assert.Contains("significantly worse (the interval lies below zero) and by more than the tolerance 0.01", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(("v1", current.Ndcg, candidate.Ndcg), (decision.CurrentVersion, decision.CurrentNdcg, decision.CandidateNdcg));
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    public void Decide_DifferenceWithinTheNoise_IsPublishedAndTheReasonStatesTheInterval(int seed)
    {
        var decision = PublishGuard.Decide(Candidate(0, 0.2, seed), Current(), "v1", Options(tolerance: 0));

        Assert.True(decision.Published, decision.Reason);
        var d = Assert.IsType<NdcgDifference>(decision.Difference);
        Assert.True(d.Lower <= 0 && d.Upper >= 0, Figures(d));
        Assert.Contains(Figures(d), decision.Reason, StringComparison.Ordinal);
        Assert.EndsWith("not significantly worse (the interval reaches zero or above)", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_SameRankings_IsPublished()
    {
        var decision = PublishGuard.Decide(Current(), Current(), "v1", Options(tolerance: 0));

        Assert.True(decision.Published);
        Assert.Equal(new NdcgDifference(0, 0, 0, Users, 0.95), decision.Difference);
        Assert.StartsWith("NDCG@10 candidate − current 0.0000 [0.0000, 0.0000] over 400 held-out users", decision.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.01, true)]
    [InlineData(0, false)]
    public void Decide_SignificantlyButSlightlyWorse_IsPublishedOnlyWithinTheTolerance(double tolerance, bool published)
    {
        var candidate = Candidate(-0.005, 0.01);

        var decision = PublishGuard.Decide(candidate, Current(), "v1", Options(tolerance));

        var d = Assert.IsType<NdcgDifference>(decision.Difference);
        Assert.True(d.Upper < 0 && d.Mean > -0.01, Figures(d));
        Assert.Equal(published, decision.Published);
        Assert.Contains(Figures(d), decision.Reason, StringComparison.Ordinal);
        Assert.Contains(published ? "significantly worse, but by no more than the tolerance 0.01" : "by more than the tolerance 0", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_NoUserRankedByBoth_IsPublishedAndSaysSo()
    {
        var empty = new RankingEvaluationResult("x", 10, 0, 0, 0, 0, 0, 0, TimeSpan.Zero, TimeSpan.Zero);

        var decision = PublishGuard.Decide(empty, empty, "v1", Options());

        Assert.True(decision.Published);
        Assert.Equal(0, decision.Difference?.Pairs);
        Assert.Contains("no held-out user was ranked by both models", decision.Reason, StringComparison.Ordinal);
    }
}
