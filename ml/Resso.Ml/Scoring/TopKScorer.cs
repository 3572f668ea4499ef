using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resso.Ml.Model;

namespace Resso.Ml.Scoring;

/// <summary>
/// Ranks all items of a <see cref="FactorModel"/> for a user vector: SIMD dot products over the contiguous
/// item factors in blocks, and a bounded heap for the top K. No ML.NET call per item.
/// </summary>
public static class TopKScorer
{
    private const int BlockSize = 1024;

    /// <summary>The best items for a trained user of the model.</summary>
    /// <param name="model">The model.</param>
    /// <param name="user">The user's index in <see cref="FactorModel.Users"/>.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="exclude">Items never returned, such as the user's own.</param>
    /// <param name="allowed">When set, only these items are returned (e.g. those available in the user's region).</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    public static ScoredItem[] RecommendForUser(FactorModel model, int user, int count, ItemBitSet? exclude = null, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)user, (uint)model.UserCount, nameof(user));
        return Recommend(model, model.UserVector(user), count, exclude, allowed, filter, model.UserBiases[user]);
    }

    /// <summary>The best items for any user vector (a trained one, or one from fold-in).</summary>
    /// <param name="model">The model.</param>
    /// <param name="userVector">A vector of length <see cref="FactorModel.LatentDimension"/>.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="exclude">Items never returned, such as the user's own.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    /// <param name="userBias">Added to every score (does not change the ranking).</param>
    public static ScoredItem[] Recommend(FactorModel model, ReadOnlySpan<float> userVector, int count, ItemBitSet? exclude = null,
        ItemBitSet? allowed = null, Func<int, bool>? filter = null, float userBias = 0f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (userVector.Length != model.LatentDimension)
        {
            throw new ArgumentException($"The user vector has {userVector.Length} elements, the model {model.LatentDimension}.", nameof(userVector));
        }

        return QuantizedItemFactors.Applies(model)
            ? model.QuantizedItems.Recommend(model, userVector, count, exclude, allowed, filter, userBias, out _)
            : RecommendFloat(model, userVector, count, exclude, allowed, filter, userBias);
    }

    /// <summary>
    /// <see cref="Recommend"/> by scoring every item in float: what the quantized pass (<see cref="QuantizedItemFactors"/>)
    /// must reproduce exactly, and the path on machines without AVX-512, for small catalogs and dimensions not a
    /// multiple of 16.
    /// </summary>
    internal static ScoredItem[] RecommendFloat(FactorModel model, ReadOnlySpan<float> userVector, int count, ItemBitSet? exclude = null,
        ItemBitSet? allowed = null, Func<int, bool>? filter = null, float userBias = 0f)
    {
        var selector = new TopKSelector(Math.Min(count, model.ItemCount));
        Span<float> block = stackalloc float[BlockSize];
        var d = model.LatentDimension;
        var factors = model.ItemFactors;
        var biases = model.ItemBiases;
        for (var start = 0; start < model.ItemCount; start += BlockSize)
        {
            var length = Math.Min(BlockSize, model.ItemCount - start);
            var scores = block[..length];
            DotRows(userVector, factors.Slice(start * d, length * d), scores);
            TensorPrimitives.Add(scores, biases.Slice(start, length), scores);
            for (var k = 0; k < length; k++)
            {
                var item = start + k;
                var score = scores[k] + userBias;
                if (score < selector.Threshold
                    || (exclude is not null && exclude.Contains(item))
                    || (allowed is not null && !allowed.Contains(item))
                    || (filter is not null && !filter(item)))
                {
                    continue;
                }

                selector.Add(item, score);
            }
        }

        GC.KeepAlive(model);
        return selector.ToSortedArray();
    }

    /// <summary>Writes the score of every item for a user vector (without user bias) into <paramref name="scores"/>.</summary>
    public static void ScoreAll(FactorModel model, ReadOnlySpan<float> userVector, Span<float> scores)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (scores.Length < model.ItemCount || userVector.Length != model.LatentDimension)
        {
            throw new ArgumentException("The score buffer must hold every item and the vector match the model's dimension.");
        }

        DotRows(userVector, model.ItemFactors, scores[..model.ItemCount]);
        TensorPrimitives.Add(scores[..model.ItemCount], model.ItemBiases, scores);
        GC.KeepAlive(model);
    }

    /// <summary>scores[r] = ⟨vector, row r of <paramref name="rows"/>⟩ for row-major rows of the vector's length.</summary>
    /// <remarks>
    /// Calling <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> once per row costs ~13 ns at
    /// d = 64, mostly call and reduction overhead, which made ranking 1.4× the time of merely reading the factors. This
    /// kernel scores four rows at a time with the vector's chunks reloaded from L1, four independent FMA chains and one
    /// horizontal sum per row, and falls back to the per-row call when the dimension is not a multiple of the vector width.
    /// </remarks>
    internal static void DotRows(ReadOnlySpan<float> vector, ReadOnlySpan<float> rows, Span<float> scores)
    {
        var d = vector.Length;
        var count = scores.Length;
        if (rows.Length != count * d)
        {
            throw new ArgumentException("The rows must hold one vector per score.", nameof(rows));
        }

        if (Vector512.IsHardwareAccelerated && d % Vector512<float>.Count == 0)
        {
            DotRows512(vector, rows, scores);
        }
        else if (Vector256.IsHardwareAccelerated && d % Vector256<float>.Count == 0)
        {
            DotRows256(vector, rows, scores);
        }
        else
        {
            for (var r = 0; r < count; r++)
            {
                scores[r] = TensorPrimitives.Dot(vector, rows.Slice(r * d, d));
            }
        }
    }

    private static void DotRows512(ReadOnlySpan<float> vector, ReadOnlySpan<float> rows, Span<float> scores)
    {
        var d = (nuint)vector.Length;
        var width = (nuint)Vector512<float>.Count;
        var count = scores.Length;
        ref var v = ref MemoryMarshal.GetReference(vector);
        ref var row = ref MemoryMarshal.GetReference(rows);
        var r = 0;
        for (; r + 4 <= count; r += 4)
        {
            var a0 = Vector512<float>.Zero;
            var a1 = Vector512<float>.Zero;
            var a2 = Vector512<float>.Zero;
            var a3 = Vector512<float>.Zero;
            for (nuint c = 0; c < d; c += width)
            {
                var x = Vector512.LoadUnsafe(ref v, c);
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, c), x, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, d + c), x, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, (2 * d) + c), x, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, (3 * d) + c), x, a3);
            }

            Sum4(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper(), a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper())
                .CopyTo(scores.Slice(r, 4));
            row = ref Unsafe.Add(ref row, 4 * d);
        }

        for (; r < count; r++)
        {
            scores[r] = DotRow512(ref v, ref row, d);
            row = ref Unsafe.Add(ref row, d);
        }
    }

    /// <summary>
    /// One row with the arithmetic of the four-row kernel (same FMA chain, same reduction), so a score does not depend on
    /// whether its row was scored alone or in a group of four.
    /// </summary>
    private static float DotRow512(ref float v, ref float row, nuint d)
    {
        var a = Vector512<float>.Zero;
        for (nuint c = 0; c < d; c += (nuint)Vector512<float>.Count)
        {
            a = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref row, c), Vector512.LoadUnsafe(ref v, c), a);
        }

        return Sum4(a.GetLower() + a.GetUpper(), Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero).ToScalar();
    }

    /// <summary>⟨vector, row⟩ exactly as <see cref="DotRows"/> computes it for that row.</summary>
    internal static float DotRow(ReadOnlySpan<float> vector, ReadOnlySpan<float> row)
    {
        if (Vector512.IsHardwareAccelerated && vector.Length % Vector512<float>.Count == 0 && row.Length == vector.Length)
        {
            return DotRow512(ref MemoryMarshal.GetReference(vector), ref MemoryMarshal.GetReference(row), (nuint)vector.Length);
        }

        Span<float> score = stackalloc float[1];
        DotRows(vector, row, score);
        return score[0];
    }

    private static void DotRows256(ReadOnlySpan<float> vector, ReadOnlySpan<float> rows, Span<float> scores)
    {
        var d = (nuint)vector.Length;
        var width = (nuint)Vector256<float>.Count;
        var count = scores.Length;
        ref var v = ref MemoryMarshal.GetReference(vector);
        ref var row = ref MemoryMarshal.GetReference(rows);
        var r = 0;
        for (; r + 4 <= count; r += 4)
        {
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var a2 = Vector256<float>.Zero;
            var a3 = Vector256<float>.Zero;
            for (nuint c = 0; c < d; c += width)
            {
                var x = Vector256.LoadUnsafe(ref v, c);
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, c), x, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, d + c), x, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, (2 * d) + c), x, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, (3 * d) + c), x, a3);
            }

            Sum4(a0, a1, a2, a3).CopyTo(scores.Slice(r, 4));
            row = ref Unsafe.Add(ref row, 4 * d);
        }

        for (; r < count; r++)
        {
            var a = Vector256<float>.Zero;
            for (nuint c = 0; c < d; c += width)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref row, c), Vector256.LoadUnsafe(ref v, c), a);
            }

            scores[r] = Vector256.Sum(a);
            row = ref Unsafe.Add(ref row, d);
        }
    }

    /// <summary>The horizontal sums of four vectors, with three horizontal adds instead of four full reductions.</summary>
    private static Vector128<float> Sum4(Vector256<float> b0, Vector256<float> b1, Vector256<float> b2, Vector256<float> b3)
    {
        if (Avx.IsSupported)
        {
            // Lanes of h: the sums of b0…b3 over their lower 128 bits, then over their upper 128 bits.
            var h = Avx.HorizontalAdd(Avx.HorizontalAdd(b0, b1), Avx.HorizontalAdd(b2, b3));
            return h.GetLower() + h.GetUpper();
        }

        return Vector128.Create(Vector256.Sum(b0), Vector256.Sum(b1), Vector256.Sum(b2), Vector256.Sum(b3));
    }

    /// <summary>The items most similar to <paramref name="item"/> by cosine of their vectors, excluding the item itself.</summary>
    /// <param name="model">The model.</param>
    /// <param name="item">The item index.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    public static ScoredItem[] SimilarItems(FactorModel model, int item, int count, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)item, (uint)model.ItemCount, nameof(item));
        return QuantizedItemFactors.Applies(model)
            ? model.QuantizedItems.SimilarItems(model, item, count, allowed, filter, out _)
            : SimilarItemsFloat(model, item, count, allowed, filter);
    }

    /// <summary><see cref="SimilarItems"/> by the cosine of every item in float (what the quantized pass must reproduce).</summary>
    internal static ScoredItem[] SimilarItemsFloat(FactorModel model, int item, int count, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        var norms = model.ItemNorms;
        var query = model.ItemVector(item);
        var queryNorm = norms[item];
        var selector = new TopKSelector(Math.Min(count, model.ItemCount));
        if (queryNorm == 0)
        {
            return [];
        }

        var d = model.LatentDimension;
        var factors = model.ItemFactors;
        for (var other = 0; other < model.ItemCount; other++)
        {
            if (other == item || norms[other] == 0
                || (allowed is not null && !allowed.Contains(other))
                || (filter is not null && !filter(other)))
            {
                continue;
            }

            var cosine = TensorPrimitives.Dot(query, factors.Slice(other * d, d)) / (queryNorm * norms[other]);
            selector.Add(other, cosine);
        }

        GC.KeepAlive(model);
        return selector.ToSortedArray();
    }
}
