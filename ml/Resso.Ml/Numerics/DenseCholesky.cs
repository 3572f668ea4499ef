using System.Numerics.Tensors;

namespace Resso.Ml.Numerics;

/// <summary>Cholesky factorisation and inverses of dense symmetric positive-definite matrices (row-major).</summary>
internal static class DenseCholesky
{
    /// <summary>Replaces the lower triangle of <paramref name="a"/> (n×n, row-major) with L where A = L·Lᵀ.</summary>
    /// <returns>False when A is not (numerically) positive definite.</returns>
    public static bool Factor(Span<double> a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var rowI = a.Slice(i * n, n);
            for (var j = 0; j <= i; j++)
            {
                var rowJ = a.Slice(j * n, n);
                var sum = rowI[j] - TensorPrimitives.Dot<double>(rowI[..j], rowJ[..j]);
                if (i == j)
                {
                    if (!(sum > 0))
                    {
                        return false;
                    }

                    rowI[i] = Math.Sqrt(sum);
                }
                else
                {
                    rowI[j] = sum / rowJ[j];
                }
            }
        }

        return true;
    }

    /// <summary>The inverse of the SPD matrix <paramref name="a"/> (n×n, row-major; overwritten).</summary>
    /// <exception cref="InvalidOperationException">The matrix is not positive definite.</exception>
    public static double[] Invert(double[] a, int n, CancellationToken cancellationToken = default)
    {
        if (!Factor(a, n))
        {
            throw new InvalidOperationException("The matrix is not positive definite.");
        }

        cancellationToken.ThrowIfCancellationRequested();

        // W = L⁻¹ (lower triangular), stored transposed: wt[j·n + i] = W[i, j], so that the sums below
        // run over contiguous memory.
        var wt = new double[(long)n * n];
        var options = new ParallelOptions { CancellationToken = cancellationToken };
        Parallel.For(0, n, options, j =>
        {
            var column = wt.AsSpan(j * n, n);
            column[j] = 1 / a[j * n + j];
            for (var i = j + 1; i < n; i++)
            {
                var rowL = a.AsSpan(i * n, n);
                var sum = TensorPrimitives.Dot<double>(rowL[j..i], column[j..i]);
                column[i] = -sum / rowL[i];
            }
        });

        // A⁻¹ = Wᵀ·W: (A⁻¹)[p, q] = Σ_{k ≥ max(p, q)} W[k, p]·W[k, q].
        var inverse = a;
        Parallel.For(0, n, options, p =>
        {
            var colP = wt.AsSpan(p * n, n);
            for (var q = p; q < n; q++)
            {
                var colQ = wt.AsSpan(q * n, n);
                var value = TensorPrimitives.Dot<double>(colP[q..], colQ[q..]);
                inverse[p * n + q] = value;
            }
        });

        for (var p = 0; p < n; p++)
        {
            for (var q = p + 1; q < n; q++)
            {
                inverse[q * n + p] = inverse[p * n + q];
            }
        }

        return inverse;
    }
}
