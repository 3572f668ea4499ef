using System.Numerics.Tensors;
using Resso.Ml.Data;
using Resso.Ml.Model;

namespace Resso.Ml.Evaluation;

/// <summary>Options of <see cref="ImplicitAls"/>.</summary>
public sealed record ImplicitAlsOptions
{
    /// <summary>Latent dimension.</summary>
    /// <value>64.</value>
    public int Factors { get; init; } = 64;

    /// <summary>Alternating passes (users, then items).</summary>
    /// <value>15.</value>
    public int Iterations { get; init; } = 15;

    /// <summary>L2 regularization λ.</summary>
    /// <value>0.1.</value>
    public float Regularization { get; init; } = 0.1f;

    /// <summary>Confidence slope α: c = 1 + α·f(w).</summary>
    /// <value>1 (chosen on a HetRec validation split with <see cref="LogWeights"/>; binary with α 10 was 2 % lower).</value>
    public float Alpha { get; init; } = 1f;

    /// <summary>Whether f(w) = log(1 + w) (play counts) rather than 1 (binary).</summary>
    /// <value>true.</value>
    public bool LogWeights { get; init; } = true;

    /// <summary>Conjugate-gradient steps per row and pass (warm-started from the previous pass).</summary>
    /// <value>3.</value>
    public int ConjugateGradientSteps { get; init; } = 3;

    /// <summary>Seeds the initial factors.</summary>
    /// <value>42.</value>
    public int Seed { get; init; } = 42;
}

/// <summary>
/// Implicit-feedback ALS (Hu, Koren, Volinsky 2008) solved with a few conjugate-gradient steps per row
/// (Takács, Pilászy, Tikk 2011), as a same-run reference point for the FFM model.
/// </summary>
public static class ImplicitAls
{
    /// <summary>Fits user and item factors (the model's biases are zero).</summary>
    public static FactorModel Fit(InteractionData train, ImplicitAlsOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        options ??= new ImplicitAlsOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Factors, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Iterations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ConjugateGradientSteps, 1);
        var d = options.Factors;
        var random = new Random(options.Seed);
        var userFactors = new float[train.UserCount * d];
        var itemFactors = new float[train.ItemCount * d];
        for (var k = 0; k < userFactors.Length; k++)
        {
            userFactors[k] = random.NextSingle() * 0.01f;
        }

        for (var k = 0; k < itemFactors.Length; k++)
        {
            itemFactors[k] = random.NextSingle() * 0.01f;
        }

        // Confidence minus one per interaction, by user (CSR of train) and by item (its transpose).
        var userOffsets = new int[train.UserCount + 1];
        for (var u = 0; u < train.UserCount; u++)
        {
            userOffsets[u + 1] = userOffsets[u] + train.CountOf(u);
        }

        var userItems = train.ItemIndices.ToArray();
        var userExtra = new float[train.Count];
        for (var k = 0; k < train.Count; k++)
        {
            userExtra[k] = options.Alpha * (options.LogWeights ? MathF.Log(1 + train.Weights[k]) : 1f);
        }

        var itemOffsets = new int[train.ItemCount + 1];
        foreach (var item in userItems)
        {
            itemOffsets[item + 1]++;
        }

        for (var i = 0; i < train.ItemCount; i++)
        {
            itemOffsets[i + 1] += itemOffsets[i];
        }

        var itemUsers = new int[train.Count];
        var itemExtra = new float[train.Count];
        var next = itemOffsets[..^1];
        var users = train.UserIndices;
        for (var k = 0; k < train.Count; k++)
        {
            var slot = next[userItems[k]]++;
            itemUsers[slot] = users[k];
            itemExtra[slot] = userExtra[k];
        }

        for (var iteration = 0; iteration < options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Solve(userFactors, itemFactors, userOffsets, userItems, userExtra, d, options, cancellationToken);
            Solve(itemFactors, userFactors, itemOffsets, itemUsers, itemExtra, d, options, cancellationToken);
        }

        return new FactorModel(train.Users, train.Items, d, userFactors, itemFactors, new float[train.UserCount], new float[train.ItemCount]);
    }

    /// <summary>Updates every row of <paramref name="x"/> against fixed <paramref name="y"/>.</summary>
    private static void Solve(float[] x, float[] y, int[] offsets, int[] columns, float[] extra, int d, ImplicitAlsOptions options, CancellationToken cancellationToken)
    {
        var rows = offsets.Length - 1;
        var others = y.Length / d;

        // YᵀY + λI.
        var gram = new float[d * d];
        for (var j = 0; j < others; j++)
        {
            var v = y.AsSpan(j * d, d);
            for (var a = 0; a < d; a++)
            {
                TensorPrimitives.MultiplyAdd(v, v[a], gram.AsSpan(a * d, d), gram.AsSpan(a * d, d));
            }
        }

        for (var a = 0; a < d; a++)
        {
            gram[(a * d) + a] += options.Regularization;
        }

        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, rows, parallel,
            () => (R: new float[d], P: new float[d], Ap: new float[d]),
            (row, _, buffers) =>
            {
                var xu = x.AsSpan(row * d, d);
                var r = buffers.R.AsSpan();
                var p = buffers.P.AsSpan();
                var ap = buffers.Ap.AsSpan();

                // r = b − A·x = Σ (c − (c − 1)·y·x)·y − (YᵀY + λI)·x.
                MultiplyGram(gram, xu, r, d);
                TensorPrimitives.Negate(r, r);
                for (var k = offsets[row]; k < offsets[row + 1]; k++)
                {
                    var yj = y.AsSpan(columns[k] * d, d);
                    var c1 = extra[k];
                    var coefficient = 1 + c1 - (c1 * TensorPrimitives.Dot(yj, xu));
                    TensorPrimitives.MultiplyAdd(yj, coefficient, r, r);
                }

                r.CopyTo(p);
                var rsOld = TensorPrimitives.Dot(r, r);
                for (var step = 0; step < options.ConjugateGradientSteps && rsOld > 1e-20f; step++)
                {
                    MultiplyGram(gram, p, ap, d);
                    for (var k = offsets[row]; k < offsets[row + 1]; k++)
                    {
                        var yj = y.AsSpan(columns[k] * d, d);
                        TensorPrimitives.MultiplyAdd(yj, extra[k] * TensorPrimitives.Dot(yj, p), ap, ap);
                    }

                    var alpha = rsOld / TensorPrimitives.Dot(p, ap);
                    TensorPrimitives.MultiplyAdd(p, alpha, xu, xu);
                    TensorPrimitives.MultiplyAdd(ap, -alpha, r, r);
                    var rsNew = TensorPrimitives.Dot(r, r);
                    TensorPrimitives.MultiplyAdd(p, rsNew / rsOld, r, p);
                    rsOld = rsNew;
                }

                return buffers;
            },
            _ => { });
    }

    private static void MultiplyGram(float[] gram, ReadOnlySpan<float> v, Span<float> result, int d)
    {
        for (var a = 0; a < d; a++)
        {
            result[a] = TensorPrimitives.Dot(gram.AsSpan(a * d, d), v);
        }
    }
}
