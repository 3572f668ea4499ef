using System.Numerics.Tensors;
using Resso.Ml.Evaluation;
using Resso.Ml.Model;
using Resso.Ml.Numerics;

namespace Resso.Ml.Ranking;

/// <summary>
/// A listener's implicit-ALS vector from their songs alone, against fixed song factors: the exact
/// minimiser of the ALS objective, x = (YᵀY + λI + Σ_j (c_j − 1)·y_j·y_jᵀ)⁻¹ · Σ_j c_j·y_j with
/// c_j = 1 + α·log(1 + w_j) (or 1 + α for binary weights). New listeners are placed without a retrain.
/// </summary>
public sealed class AlsFoldIn
{
    private readonly double[] _gram;

    /// <summary>Prepares fold-in against <paramref name="model"/>'s song factors with the options it was trained with.</summary>
    public AlsFoldIn(FactorModel model, ImplicitAlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        (Model, Options) = (model, options);
        var d = model.LatentDimension;
        _gram = new double[d * d];
        var row = new double[d];
        for (var j = 0; j < model.ItemCount; j++)
        {
            var y = model.ItemVector(j);
            for (var a = 0; a < d; a++)
            {
                row[a] = y[a];
            }

            for (var a = 0; a < d; a++)
            {
                TensorPrimitives.MultiplyAdd(row, row[a], _gram.AsSpan(a * d, d), _gram.AsSpan(a * d, d));
            }
        }

        for (var a = 0; a < d; a++)
        {
            _gram[(a * d) + a] += options.Regularization;
        }
    }

    /// <summary>The song factors.</summary>
    public FactorModel Model { get; }

    /// <summary>The options the factors were trained with.</summary>
    public ImplicitAlsOptions Options { get; }

    /// <summary>The listener's vector from their songs (model indices) and weights (null: weight 1).</summary>
    public float[] FoldIn(ReadOnlySpan<int> items, ReadOnlySpan<float> weights = default)
    {
        var d = Model.LatentDimension;
        var result = new float[d];
        if (items.IsEmpty)
        {
            return result;
        }

        var a = (double[])_gram.Clone();
        var b = new double[d];
        var y = new double[d];
        for (var k = 0; k < items.Length; k++)
        {
            if ((uint)items[k] >= (uint)Model.ItemCount)
            {
                continue;
            }

            var w = weights.IsEmpty ? 1f : weights[k];
            var extra = Options.Alpha * (Options.LogWeights ? Math.Log(1 + w) : 1.0);
            var vector = Model.ItemVector(items[k]);
            for (var i = 0; i < d; i++)
            {
                y[i] = vector[i];
            }

            TensorPrimitives.MultiplyAdd(y, 1 + extra, b, b);
            for (var i = 0; i < d; i++)
            {
                TensorPrimitives.MultiplyAdd(y, extra * y[i], a.AsSpan(i * d, d), a.AsSpan(i * d, d));
            }
        }

        if (!DenseCholesky.Factor(a, d))
        {
            return result;
        }

        // L·Lᵀ·x = b: forward then backward substitution on the lower triangle.
        for (var i = 0; i < d; i++)
        {
            var sum = b[i];
            for (var j = 0; j < i; j++)
            {
                sum -= a[(i * d) + j] * b[j];
            }

            b[i] = sum / a[(i * d) + i];
        }

        for (var i = d - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var j = i + 1; j < d; j++)
            {
                sum -= a[(j * d) + i] * b[j];
            }

            b[i] = sum / a[(i * d) + i];
        }

        for (var i = 0; i < d; i++)
        {
            result[i] = (float)b[i];
        }

        return result;
    }
}
