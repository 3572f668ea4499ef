using System.Numerics.Tensors;
using Resso.Ml.Data;
using Resso.Ml.Numerics;
using Resso.Ml.Scoring;

namespace Resso.Ml.Ranking;

/// <summary>
/// EASE (Steck, 2019) as a servable item-to-item model: B = I − P·diag(1/diag P) with
/// P = (XᵀX + λI)⁻¹ on binary interactions X, each row of B pruned to its largest entries, so that any
/// listener — new ones included — is scored from their songs alone (x_u·B) without a retrain.
/// </summary>
/// <remarks>
/// The inverse is dense: either items × items (primal, when there are fewer songs with data than
/// listeners) or, through Woodbury, listeners × listeners (dual: with M = (XXᵀ + λI)⁻¹,
/// B_ij = (Σ_{a∈users(i)} (M·X)_aj) / (1 − X_jᵀ·M·X_j) for i ≠ j). The smaller side must not exceed
/// <see cref="MaxDenseDimension"/>; beyond it EASE is not trained and the other generators serve.
/// The dual computes B in blocks of target items, so memory stays listeners × block.
/// </remarks>
public static class EaseNeighbours
{
    /// <summary>The largest dense side inverted (12,000: 1.2 GB of doubles, minutes of Cholesky on two cores).</summary>
    public const int MaxDenseDimension = 12_000;

    private const int Block = 2_048;

    /// <summary>Whether EASE can be fitted on <paramref name="train"/> within <see cref="MaxDenseDimension"/>.</summary>
    public static bool Applies(InteractionData train)
    {
        ArgumentNullException.ThrowIfNull(train);
        var (users, items) = ActiveCounts(train);
        return Math.Min(users, items) is > 0 and <= MaxDenseDimension;
    }

    /// <summary>Fits EASE on <paramref name="train"/> and keeps the <paramref name="neighbours"/> largest weights of each row.</summary>
    /// <exception cref="InvalidOperationException">Both sides exceed <see cref="MaxDenseDimension"/>.</exception>
    public static ItemNeighbours Fit(InteractionData train, double lambda, int neighbours = 200, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lambda, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(neighbours, 1);
        var (users, items) = ActiveCounts(train);
        if (Math.Min(users, items) > MaxDenseDimension)
        {
            throw new InvalidOperationException($"EASE needs listeners or songs with data at most {MaxDenseDimension}; there are {users} and {items}.");
        }

        return items <= users ? FitPrimal(train, lambda, neighbours, cancellationToken) : FitDual(train, lambda, neighbours, cancellationToken);
    }

    private static (int Users, int Items) ActiveCounts(InteractionData train)
    {
        var users = 0;
        for (var u = 0; u < train.UserCount; u++)
        {
            users += train.CountOf(u) > 0 ? 1 : 0;
        }

        var items = 0;
        foreach (var count in train.ItemCounts)
        {
            items += count > 0 ? 1 : 0;
        }

        return (users, items);
    }

    private static ItemNeighbours FitPrimal(InteractionData train, double lambda, int neighbours, CancellationToken cancellationToken)
    {
        var active = Enumerable.Range(0, train.ItemCount).Where(i => train.ItemCounts[i] > 0).ToArray();
        var n = active.Length;
        var position = new int[train.ItemCount];
        Array.Fill(position, -1);
        for (var a = 0; a < n; a++)
        {
            position[active[a]] = a;
        }

        var g = Evaluation.Ease.PrimalGram(train, position, n, lambda);
        cancellationToken.ThrowIfCancellationRequested();
        var p = DenseCholesky.Invert(g, n, cancellationToken);
        var rows = new ScoredItem[train.ItemCount][];
        Parallel.For(0, n, new ParallelOptions { CancellationToken = cancellationToken }, () => new TopKSelector(Math.Min(neighbours, n)), (a, _, selector) =>
        {
            selector.Clear();
            for (var c = 0; c < n; c++)
            {
                if (c != a)
                {
                    var weight = (float)(-p[((long)a * n) + c] / p[((long)c * n) + c]);
                    if (weight > 0)
                    {
                        selector.Add(active[c], weight);
                    }
                }
            }

            rows[active[a]] = selector.ToSortedArray();
            return selector;
        }, _ => { });
        return ToNeighbours(rows);
    }

    private static ItemNeighbours FitDual(InteractionData train, double lambda, int neighbours, CancellationToken cancellationToken)
    {
        var users = Enumerable.Range(0, train.UserCount).Where(u => train.CountOf(u) > 0).ToArray();
        var n = users.Length;
        var (_, itemUsers, k) = Evaluation.Ease.DualGram(train, users, lambda);
        cancellationToken.ThrowIfCancellationRequested();
        var m = DenseCholesky.Invert(k, n, cancellationToken);
        var mf = new float[(long)n * n];
        for (long x = 0; x < mf.Length; x++)
        {
            mf[x] = (float)m[x];
        }

        var selectors = new TopKSelector[train.ItemCount];
        var parallel = new ParallelOptions { CancellationToken = cancellationToken };
        for (var start = 0; start < train.ItemCount; start += Block)
        {
            var width = Math.Min(Block, train.ItemCount - start);

            // Z[a, j] = (M·X)_aj = Σ_{b ∈ users(j)} M_ab for the block's items j, row per listener a.
            var z = new float[(long)n * width];
            Parallel.For(0, n, parallel, a =>
            {
                var row = z.AsSpan((int)((long)a * width), width);
                var ma = mf.AsSpan((int)((long)a * n), n);
                for (var j = 0; j < width; j++)
                {
                    if (itemUsers[start + j] is { } list)
                    {
                        var sum = 0f;
                        foreach (var b in list)
                        {
                            sum += ma[b];
                        }

                        row[j] = sum;
                    }
                }
            });

            // 1 / (1 − X_jᵀ·M·X_j) per target j.
            var inverse = new float[width];
            for (var j = 0; j < width; j++)
            {
                if (itemUsers[start + j] is { } list)
                {
                    var quadratic = 0.0;
                    foreach (var a in list)
                    {
                        quadratic += z[((long)a * width) + j];
                    }

                    inverse[j] = (float)(1 / (1 - quadratic));
                }
            }

            Parallel.For(0, train.ItemCount, parallel, () => new float[width], (i, _, sum) =>
            {
                if (itemUsers[i] is not { } list)
                {
                    return sum;
                }

                sum.AsSpan().Clear();
                foreach (var a in list)
                {
                    TensorPrimitives.Add(sum, z.AsSpan((int)((long)a * width), width), sum);
                }

                TensorPrimitives.Multiply(sum, inverse, sum);
                var selector = selectors[i] ??= new TopKSelector(Math.Min(neighbours, train.ItemCount));
                for (var j = 0; j < width; j++)
                {
                    if (start + j != i && sum[j] > 0)
                    {
                        selector.Add(start + j, sum[j]);
                    }
                }

                return sum;
            }, _ => { });
        }

        return ToNeighbours([.. selectors.Select(s => s?.ToSortedArray())]);
    }

    private static ItemNeighbours ToNeighbours(ScoredItem[]?[] rows)
    {
        var offsets = new int[rows.Length + 1];
        for (var i = 0; i < rows.Length; i++)
        {
            offsets[i + 1] = offsets[i] + (rows[i]?.Length ?? 0);
        }

        var targets = new int[offsets[^1]];
        var weights = new float[offsets[^1]];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i] ?? [];
            for (var k = 0; k < row.Length; k++)
            {
                targets[offsets[i] + k] = row[k].Item;
                weights[offsets[i] + k] = row[k].Score;
            }
        }

        return new ItemNeighbours(offsets, targets, weights);
    }
}
