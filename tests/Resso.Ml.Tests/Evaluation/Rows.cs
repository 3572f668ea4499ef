using Resso.Ml.Evaluation;

namespace Resso.Ml.Tests.Evaluation;

/// <summary>Builders of evaluation rows and reports with chosen per-user NDCG.</summary>
internal static class Rows
{
    /// <summary>A row whose users 0, 1, … have NDCG <paramref name="userNdcg"/>, in that order.</summary>
    public static RankingEvaluationResult Of(string method, MethodRole role, params double[] userNdcg) =>
        Of(method, role, [.. Enumerable.Range(0, userNdcg.Length)], userNdcg);

    /// <summary>A row of the given users (ascending) and their NDCG.</summary>
    public static RankingEvaluationResult Of(string method, MethodRole role, int[] users, double[] userNdcg) =>
        new(method, 10, users.Length, 0, 0, userNdcg.Length == 0 ? 0 : userNdcg.Average(), 0, 0, TimeSpan.FromSeconds(1), TimeSpan.Zero)
        {
            Role = role,
            UserIndices = users,
            UserNdcg = userNdcg,
        };

    /// <summary>A single-split report of <paramref name="results"/>.</summary>
    public static OfflineEvaluationReport Report(params RankingEvaluationResult[] results) =>
        new(10, 10, 80, 20, new OfflineEvaluationOptions(), results, []);

    /// <summary><paramref name="n"/> per-user values drawn uniformly from [0, 1), shifted by <paramref name="shift"/>.</summary>
    public static double[] Noisy(int n, double shift, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() + shift)];
    }
}
