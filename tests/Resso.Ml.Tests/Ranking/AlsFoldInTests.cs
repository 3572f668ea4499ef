using System.Numerics.Tensors;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Ranking;

namespace Resso.Ml.Tests.Ranking;

public sealed class AlsFoldInTests
{
    [Theory]
    [InlineData(true, 0.7f, 3f)]
    [InlineData(false, 0.05f, 10f)]
    public void FoldIn_WeightedSongs_IsTheClosedFormMinimiser(bool logWeights, float lambda, float alpha)
    {
        var model = ModelBuilder.Random(users: 2, items: 30, dimension: 4, seed: 11);
        var options = new ImplicitAlsOptions { Factors = 4, Regularization = lambda, Alpha = alpha, LogWeights = logWeights };
        int[] items = [3, 7, 8, 21, 29];
        float[] weights = [1f, 4f, 0.5f, 12f, 2f];

        var vector = new AlsFoldIn(model, options).FoldIn(items, weights);

        var expected = ClosedForm(model, options, items, weights);
        Assert.Equal(4, vector.Length);
        for (var a = 0; a < 4; a++)
        {
            Assert.Equal(expected[a], vector[a], 1e-5 * (1 + Math.Abs(expected[a])));
        }

        // A minimiser: moving off it in any coordinate raises the ALS objective.
        var best = Objective(model, options, items, weights, [.. vector.Select(v => (double)v)]);
        for (var a = 0; a < 4; a++)
        {
            foreach (var step in new[] { -1e-2, 1e-2 })
            {
                var moved = vector.Select(v => (double)v).ToArray();
                moved[a] += step;
                Assert.True(Objective(model, options, items, weights, moved) > best);
            }
        }
    }

    [Fact]
    public void FoldIn_NoWeights_CountsEachSongWithWeightOne()
    {
        var model = ModelBuilder.Random(users: 2, items: 30, dimension: 4, seed: 12);
        var options = new ImplicitAlsOptions { Factors = 4, Regularization = 0.3f, Alpha = 2f };
        var foldIn = new AlsFoldIn(model, options);

        var unweighted = foldIn.FoldIn([2, 5, 9]);

        Assert.Equal(foldIn.FoldIn([2, 5, 9], [1f, 1f, 1f]), unweighted);
        var expected = ClosedForm(model, options, [2, 5, 9], [1f, 1f, 1f]);
        for (var a = 0; a < 4; a++)
        {
            Assert.Equal(expected[a], unweighted[a], 1e-5 * (1 + Math.Abs(expected[a])));
        }

        Assert.All(foldIn.FoldIn([]), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FoldIn_TrainedUser_ReproducesTheTrainedVector()
    {
        var data = SyntheticData.Clustered(users: 120, items: 60, clusters: 3, perUser: 10, noise: 0.3, seed: 4);
        var options = new ImplicitAlsOptions { Factors = 8, Iterations = 40, ConjugateGradientSteps = 16, Regularization = 1f, Alpha = 2f };
        var model = ImplicitAls.Fit(data, options, TestContext.Current.CancellationToken);
        var foldIn = new AlsFoldIn(model, options);

        var worst = 1.0;
        var farthest = 0.0;
        for (var user = 0; user < data.UserCount; user++)
        {
            var folded = foldIn.FoldIn(data.ItemsOf(user), data.WeightsOf(user));
            var trained = model.UserVector(user);
            worst = Math.Min(worst, TensorPrimitives.CosineSimilarity(folded, trained));
            farthest = Math.Max(farthest, TensorPrimitives.Distance(folded, trained) / TensorPrimitives.Norm(trained));
        }

        // 0.99 is the brief; the weights ignored (every weight 1) still reach 0.9936, so the bar is 0.999.
        Assert.True(worst > 0.999, $"lowest cosine between a folded-in and a trained listener: {worst:F6}");
        Assert.True(farthest < 0.03, $"largest distance between a folded-in and a trained listener, relative to the trained norm: {farthest:F4}");
    }

    /// <summary>x = (YᵀY + λI + Σ (c − 1)·y·yᵀ)⁻¹·Σ c·y, c = 1 + α·f(w), formed and solved directly.</summary>
    private static double[] ClosedForm(FactorModel model, ImplicitAlsOptions options, int[] items, float[] weights)
    {
        var d = model.LatentDimension;
        var a = new double[d, d];
        var b = new double[d];
        for (var j = 0; j < model.ItemCount; j++)
        {
            var y = model.ItemVector(j);
            var k = Array.IndexOf(items, j);
            var c = k < 0 ? 1.0 : Confidence(options, weights[k]);
            for (var p = 0; p < d; p++)
            {
                for (var q = 0; q < d; q++)
                {
                    a[p, q] += c * y[p] * y[q];
                }

                b[p] += k < 0 ? 0 : c * y[p];
            }
        }

        for (var p = 0; p < d; p++)
        {
            a[p, p] += options.Regularization;
        }

        return DenseReference.Solve(a, b);
    }

    /// <summary>Σ_j c_j·(p_j − x·y_j)² + λ‖x‖², p_j = 1 for the listener's songs, 0 otherwise.</summary>
    private static double Objective(FactorModel model, ImplicitAlsOptions options, int[] items, float[] weights, double[] x)
    {
        var sum = 0.0;
        for (var j = 0; j < model.ItemCount; j++)
        {
            var y = model.ItemVector(j);
            var k = Array.IndexOf(items, j);
            var c = k < 0 ? 1.0 : Confidence(options, weights[k]);
            var dot = 0.0;
            for (var p = 0; p < x.Length; p++)
            {
                dot += x[p] * y[p];
            }

            sum += c * Math.Pow((k < 0 ? 0 : 1) - dot, 2);
        }

        return sum + (options.Regularization * x.Sum(v => v * v));
    }

    private static double Confidence(ImplicitAlsOptions options, float weight) =>
        1 + (options.Alpha * (options.LogWeights ? Math.Log(1 + weight) : 1));
}
