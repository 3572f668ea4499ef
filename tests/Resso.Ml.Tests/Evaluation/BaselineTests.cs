using Resso.Ml.Data;
using Resso.Ml.Evaluation;
using Resso.Ml.Numerics;

namespace Resso.Ml.Tests.Evaluation;

public sealed class BaselineTests
{
    [Fact]
    public void EaseFit_DualAndPrimal_GiveTheSameScores()
    {
        // More items than users selects the dual (user–user) solve; a small maxDenseDimension forces the primal one.
        var data = SyntheticData.Clustered(users: 30, items: 50, perUser: 8, noise: 0.5);
        var dual = Ease.Fit(data, lambda: 5);
        var primal = Ease.Fit(data, lambda: 5, maxDenseDimension: 10);
        Assert.StartsWith("dual", dual.Description, StringComparison.Ordinal);
        Assert.StartsWith("primal", primal.Description, StringComparison.Ordinal);

        var active = Enumerable.Range(0, data.ItemCount).Where(i => data.ItemCounts[i] > 0).ToArray();
        var primalAll = Ease.Fit(data, lambda: 5, maxDenseDimension: active.Length);
        Assert.False(primalAll.RestrictedItems);
        for (var user = 0; user < data.UserCount; user++)
        {
            var a = new float[data.ItemCount];
            var b = new float[data.ItemCount];
            dual.Scorer(user, a);
            primalAll.Scorer(user, b);
            foreach (var item in active.Where(i => !data.Contains(user, i)))
            {
                Assert.Equal(b[item], a[item], 3);
            }
        }
    }

    [Fact]
    public void ImplicitAlsFit_ClusteredData_BeatsMostPopular()
    {
        var split = InteractionSplitter.SplitPerUser(SyntheticData.Clustered(), 0.2, 42);

        var als = ImplicitAls.Fit(split.Train, new ImplicitAlsOptions { Factors = 8, Iterations = 5 }, TestContext.Current.CancellationToken);

        var alsResult = RankingEvaluator.Evaluate("als", split.Train, split.Test, OfflineEvaluator.FactorScorer(als), cancellationToken: TestContext.Current.CancellationToken);
        var popular = RankingEvaluator.Evaluate("popular", split.Train, split.Test, MostPopular.Fit(split.Train), cancellationToken: TestContext.Current.CancellationToken);
        Assert.True(alsResult.Ndcg > popular.Ndcg, $"ALS {alsResult.Ndcg:F3} vs popular {popular.Ndcg:F3}");
    }

    [Fact]
    public void Evaluate_MostPopular_ExcludesTrainingItemsAndCountsTestUsersOnly()
    {
        // Item "hit" is the most popular in train but u2 already has it; u2's held-out item is "s2".
        var builder = new InteractionDataBuilder();
        builder.Add("u1", "hit").Add("u2", "hit").Add("u3", "hit").Add("u1", "s2").Add("u3", "s2").Add("u3", "s3");
        var train = builder.Build();
        var test = InteractionData.Create(train.Users, train.Items, [1], [train.Items.IndexOf("s2")], [1f]);

        var result = RankingEvaluator.Evaluate("popular", train, test, MostPopular.Fit(train), k: 1, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(1, result.Users);
        Assert.Equal(1.0, result.Precision);
        Assert.Equal(1.0, result.Ndcg);
        Assert.Equal(1 / 3.0, result.Coverage, 12);
    }

    [Fact]
    public void Invert_RandomSpdMatrix_GivesInverse()
    {
        const int n = 37;
        var random = new Random(4);
        var m = new double[n * n];
        for (var k = 0; k < m.Length; k++)
        {
            m[k] = random.NextDouble() - 0.5;
        }

        var a = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = i == j ? 1 : 0;
                for (var k = 0; k < n; k++)
                {
                    sum += m[i * n + k] * m[j * n + k];
                }

                a[i * n + j] = sum;
            }
        }

        var inverse = DenseCholesky.Invert((double[])a.Clone(), n, TestContext.Current.CancellationToken);

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var product = 0.0;
                for (var k = 0; k < n; k++)
                {
                    product += a[i * n + k] * inverse[k * n + j];
                }

                Assert.Equal(i == j ? 1.0 : 0.0, product, 9);
            }
        }
    }
}
