using Resso.Ml.Data;
using Resso.Ml.Numerics;

namespace Resso.Ml.Evaluation;

/// <summary>
/// EASE (Steck, 2019): B = I − P·diag(1/diag P) with P = (XᵀX + λI)⁻¹ on binary interactions X, scores x_u·B.
/// </summary>
/// <remarks>
/// The item–item inverse costs O(items³) and items² memory, too much for 17.6k items on two cores. When there
/// are fewer users than items this computes the exact same scores through the user–user matrix instead
/// (Woodbury): with M = (XXᵀ + λI)⁻¹, x_u·P = M_u·X and P_jj = (1 − X_jᵀ·M·X_j)/λ, so
/// score_j = x_uj − (M_u·X)_j / P_jj at O(users³ + Σ_j users(j)²) cost. When both counts exceed
/// <c>maxDenseDimension</c>, only the most popular items are modelled (the others score lowest).
/// </remarks>
public static class Ease
{
    /// <summary>Fits EASE and returns a scorer for the training users.</summary>
    /// <param name="train">Training interactions (treated as binary).</param>
    /// <param name="lambda">L2 regularization λ.</param>
    /// <param name="maxDenseDimension">The largest dense matrix side to invert.</param>
    /// <param name="cancellationToken">Cancels the fit.</param>
    public static EaseModel Fit(InteractionData train, double lambda = 100, int maxDenseDimension = 12_000, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lambda, 0);
        var activeItems = Enumerable.Range(0, train.ItemCount).Where(i => train.ItemCounts[i] > 0).ToArray();
        var activeUsers = Enumerable.Range(0, train.UserCount).Where(u => train.CountOf(u) > 0).ToArray();
        if (activeUsers.Length <= maxDenseDimension && activeUsers.Length < activeItems.Length)
        {
            return FitDual(train, lambda, activeUsers, cancellationToken);
        }

        var restricted = activeItems.Length > maxDenseDimension;
        if (restricted)
        {
            var counts = train.ItemCounts.ToArray();
            activeItems = [.. activeItems.OrderByDescending(i => counts[i]).ThenBy(i => i).Take(maxDenseDimension).Order()];
        }

        return FitPrimal(train, lambda, activeItems, restricted, cancellationToken);
    }

    private static EaseModel FitDual(InteractionData train, double lambda, int[] users, CancellationToken cancellationToken)
    {
        var n = users.Length;
        var (position, itemUsers, k) = DualGram(train, users, lambda);
        cancellationToken.ThrowIfCancellationRequested();
        var m = DenseCholesky.Invert(k, n, cancellationToken);
        var inverseDiagonal = new float[train.ItemCount];
        for (var item = 0; item < train.ItemCount; item++)
        {
            var list = itemUsers[item];
            var quadratic = 0.0;
            if (list is not null)
            {
                foreach (var a in list)
                {
                    foreach (var b in list)
                    {
                        quadratic += m[(a * n) + b];
                    }
                }
            }

            var pjj = (1 - quadratic) / lambda;
            inverseDiagonal[item] = list is null ? 0f : (float)(1 / pjj);
        }

        return new EaseModel((user, scores) =>
        {
            var a = user < position.Length ? position[user] : -1;
            if (a < 0)
            {
                return;
            }

            // (M_u·X)_j accumulated over the users b with M_ab ≠ 0 (all of them).
            var row = m.AsSpan(a * n, n);
            for (var b = 0; b < n; b++)
            {
                var weight = (float)row[b];
                foreach (var item in train.ItemsOf(users[b]))
                {
                    scores[item] += weight;
                }
            }

            for (var item = 0; item < scores.Length; item++)
            {
                scores[item] = -scores[item] * inverseDiagonal[item];
            }

            foreach (var item in train.ItemsOf(user))
            {
                scores[item] += 1;
            }
        }, $"dual (users {n}, all {itemUsers.Count(l => l is not null)} items with training interactions)", false);
    }

    /// <summary>
    /// The listener side of EASE's dual: each listener's position, each item's listeners (positions) and XXᵀ + λI over
    /// <paramref name="users"/> (binary interactions, row-major).
    /// </summary>
    internal static (int[] Position, List<int>[] ItemUsers, double[] Gram) DualGram(InteractionData train, int[] users, double lambda)
    {
        var n = users.Length;
        var position = new int[train.UserCount];
        Array.Fill(position, -1);
        for (var a = 0; a < n; a++)
        {
            position[users[a]] = a;
        }

        // Item → users (positions), to build XXᵀ and the diagonal of P.
        var itemUsers = new List<int>[train.ItemCount];
        for (var a = 0; a < n; a++)
        {
            foreach (var item in train.ItemsOf(users[a]))
            {
                (itemUsers[item] ??= []).Add(a);
            }
        }

        var k = new double[(long)n * n];
        foreach (var list in itemUsers)
        {
            if (list is null)
            {
                continue;
            }

            foreach (var a in list)
            {
                foreach (var b in list)
                {
                    k[(a * n) + b] += 1;
                }
            }
        }

        for (var a = 0; a < n; a++)
        {
            k[(a * n) + a] += lambda;
        }

        return (position, itemUsers, k);
    }

    /// <summary>XᵀX + λI over the <paramref name="n"/> items with a position (binary interactions, row-major); items at −1 are left out.</summary>
    internal static double[] PrimalGram(InteractionData train, int[] position, int n, double lambda)
    {
        var g = new double[(long)n * n];
        var local = new List<int>();
        for (var u = 0; u < train.UserCount; u++)
        {
            local.Clear();
            foreach (var item in train.ItemsOf(u))
            {
                if (position[item] >= 0)
                {
                    local.Add(position[item]);
                }
            }

            foreach (var a in local)
            {
                foreach (var c in local)
                {
                    g[((long)a * n) + c] += 1;
                }
            }
        }

        for (var a = 0; a < n; a++)
        {
            g[((long)a * n) + a] += lambda;
        }

        return g;
    }

    private static EaseModel FitPrimal(InteractionData train, double lambda, int[] items, bool restricted, CancellationToken cancellationToken)
    {
        var n = items.Length;
        var position = new int[train.ItemCount];
        Array.Fill(position, -1);
        for (var a = 0; a < n; a++)
        {
            position[items[a]] = a;
        }

        var g = PrimalGram(train, position, n, lambda);
        cancellationToken.ThrowIfCancellationRequested();
        var p = DenseCholesky.Invert(g, n, cancellationToken);

        // B_ab = −P_ab / P_bb, B_aa = 0; stored as float rows.
        var weights = new float[(long)n * n];
        for (var a = 0; a < n; a++)
        {
            for (var c = 0; c < n; c++)
            {
                weights[((long)a * n) + c] = a == c ? 0f : (float)(-p[((long)a * n) + c] / p[((long)c * n) + c]);
            }
        }

        var floor = restricted ? float.MinValue / 2 : 0f;
        return new EaseModel((user, scores) =>
        {
            var dense = new float[n];
            foreach (var item in train.ItemsOf(user))
            {
                var a = position[item];
                if (a >= 0)
                {
                    System.Numerics.Tensors.TensorPrimitives.Add(dense, weights.AsSpan(a * n, n), dense);
                }
            }

            scores.Fill(floor);
            for (var a = 0; a < n; a++)
            {
                scores[items[a]] = dense[a];
            }
        }, restricted ? $"primal, restricted to the {n} most popular items" : $"primal ({n} items)", restricted);
    }
}

/// <summary>A fitted EASE model.</summary>
/// <param name="Scorer">Scores all items for a training user.</param>
/// <param name="Description">How it was computed (dual or primal, item restriction).</param>
/// <param name="RestrictedItems">Whether only the most popular items were modelled.</param>
public sealed record EaseModel(UserScorer Scorer, string Description, bool RestrictedItems);
