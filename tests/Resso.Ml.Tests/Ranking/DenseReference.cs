using Resso.Ml.Data;

namespace Resso.Ml.Tests.Ranking;

/// <summary>Plain dense references (Gauss–Jordan, no shortcuts) that the ranking code is checked against.</summary>
internal static class DenseReference
{
    /// <summary>The inverse of a small square matrix by Gauss–Jordan elimination with partial pivoting.</summary>
    public static double[,] Inverse(double[,] a)
    {
        var n = a.GetLength(0);
        var m = new double[n, 2 * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                m[i, j] = a[i, j];
            }

            m[i, n + i] = 1;
        }

        for (var column = 0; column < n; column++)
        {
            var pivot = column;
            for (var row = column + 1; row < n; row++)
            {
                if (Math.Abs(m[row, column]) > Math.Abs(m[pivot, column]))
                {
                    pivot = row;
                }
            }

            for (var j = 0; j < 2 * n; j++)
            {
                (m[column, j], m[pivot, j]) = (m[pivot, j], m[column, j]);
            }

            var scale = m[column, column];
            for (var j = 0; j < 2 * n; j++)
            {
                m[column, j] /= scale;
            }

            for (var row = 0; row < n; row++)
            {
                if (row != column && m[row, column] != 0)
                {
                    var factor = m[row, column];
                    for (var j = 0; j < 2 * n; j++)
                    {
                        m[row, j] -= factor * m[column, j];
                    }
                }
            }
        }

        var inverse = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                inverse[i, j] = m[i, n + j];
            }
        }

        return inverse;
    }

    /// <summary>x = A⁻¹·b.</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        var inverse = Inverse(a);
        var n = b.Length;
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                x[i] += inverse[i, j] * b[j];
            }
        }

        return x;
    }

    /// <summary>
    /// EASE's B = I − P·diag(1/diag P), P = (XᵀX + λI)⁻¹, straight from the definition over the whole item space
    /// (songs without data get zero rows and columns, as they have no weights).
    /// </summary>
    public static double[,] EaseWeights(InteractionData data, double lambda)
    {
        var n = data.ItemCount;
        var g = new double[n, n];
        for (var u = 0; u < data.UserCount; u++)
        {
            foreach (var a in data.ItemsOf(u))
            {
                foreach (var c in data.ItemsOf(u))
                {
                    g[a, c] += 1;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            g[i, i] += lambda;
        }

        var p = Inverse(g);
        var b = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                b[i, j] = i == j ? 0 : -p[i, j] / p[j, j];
            }
        }

        return b;
    }
}
