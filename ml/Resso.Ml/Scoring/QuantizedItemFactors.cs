using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Resso.Ml.Model;

namespace Resso.Ml.Scoring;

/// <summary>
/// An 8-bit copy of a model's item factors for a first ranking pass whose error is bounded per item, so that the exact
/// float top K is found by re-scoring only the items whose bounds reach the cut.
/// </summary>
/// <remarks>
/// <para>
/// Item i is stored as codes q (signed, |q| ≤ 127) with a scale s (its largest |v| / 127); the user vector is quantized
/// per query to 7 bits (|qu| ≤ 63, scale su). With v = s·q + e and u = su·qu + eu, the exact dot product differs from the
/// approximation su·s·⟨qu, q⟩ by ⟨u, e⟩ + ⟨eu, s·q⟩, at most ‖u‖·‖e‖ + ‖eu‖·‖s·q‖ (Cauchy–Schwarz). ‖e‖ and ‖s·q‖ are
/// kept per item, ‖u‖ and ‖eu‖ are known per query, so every item has an interval that holds its exact score.
/// </para>
/// <para>
/// The first pass keeps the K-th best lower end of the intervals as a threshold and collects the items whose upper end
/// reaches it; everything else cannot be in the top K. The candidates (the top K plus the few whose intervals overlap the
/// cut) are then scored exactly, with the same arithmetic as the float scorer, so results are identical to it.
/// </para>
/// <para>
/// Layout: items in blocks of 16; within a block, for every group of 4 dimensions, the 16 items' 4 codes side by side
/// (64 bytes). One <c>vpmaddubsw</c> (user codes offset to unsigned × item codes) and one <c>vpmaddwd</c> by ones add
/// 4 dimensions of 16 items at once, so a block needs no horizontal reduction. 64 bytes per item at d = 64, a quarter of
/// the float factors. The offset of the user codes (+64, to make them unsigned) is taken back by starting each block's
/// sums at −64·Σq.
/// </para>
/// </remarks>
internal sealed class QuantizedItemFactors
{
    /// <summary>Items per block: one 512-bit vector of 32-bit sums.</summary>
    public const int BlockItems = 16;

    /// <summary>Below this many items the float scorer is as fast, and the copy not worth keeping.</summary>
    public const int MinimumItems = 2048;

    /// <summary>Blocks whose sums and bounds are computed before they are compared with the threshold (1,024 items).</summary>
    private const int ChunkBlocks = 64;

    private const int UserLevels = 63;
    private const int UserOffset = 64;
    private const int ItemLevels = 127;

    /// <summary>Relative slack on the error bound for float rounding of the scores compared against it.</summary>
    private const float RoundingSlack = 1e-4f;

    private readonly sbyte[] _codes;
    private readonly int[] _offsetSums;
    private readonly float[] _scales;
    private readonly float[] _errorNorms;
    private readonly float[] _codeNorms;
    private readonly float[] _biasSlack;
    private readonly float[] _upperBiases;
    private readonly float[] _inverseNorms;
    private readonly int _groups;

    private QuantizedItemFactors(FactorModel model)
    {
        var d = model.LatentDimension;
        _groups = (d + 3) / 4;
        ItemCount = model.ItemCount;
        var padded = (ItemCount + BlockItems - 1) / BlockItems * BlockItems;
        _codes = new sbyte[(long)padded * _groups * 4];
        _offsetSums = new int[padded];
        _scales = new float[padded];
        _errorNorms = new float[padded];
        _codeNorms = new float[padded];
        _biasSlack = new float[padded];
        _upperBiases = new float[padded];
        _upperBiases.AsSpan(ItemCount).Fill(float.NegativeInfinity);
        _inverseNorms = new float[padded];
        var norms = model.ItemNorms;

        var biases = model.ItemBiases;
        Span<sbyte> codes = stackalloc sbyte[_groups * 4];
        for (var item = 0; item < ItemCount; item++)
        {
            var vector = model.ItemVector(item);
            var scale = TensorPrimitives.MaxMagnitude(vector) / ItemLevels;
            double error = 0, norm = 0;
            var sum = 0;
            codes.Clear();
            for (var k = 0; k < d; k++)
            {
                var code = scale == 0 ? 0 : (int)Math.Clamp(MathF.Round(vector[k] / scale), -ItemLevels, ItemLevels);
                codes[k] = (sbyte)code;
                sum += code;
                var value = scale * code;
                error += (vector[k] - value) * (double)(vector[k] - value);
                norm += value * (double)value;
            }

            var block = item / BlockItems;
            var lane = item % BlockItems;
            for (var group = 0; group < _groups; group++)
            {
                codes.Slice(group * 4, 4).CopyTo(_codes.AsSpan((int)((((long)block * _groups) + group) * BlockItems * 4) + (lane * 4), 4));
            }

            _offsetSums[item] = -UserOffset * sum;
            _scales[item] = scale;

            // Inflated a little, so that float rounding of the exact scores never takes one outside its interval.
            var vectorNorm = (float)Math.Sqrt(norm) + (float)Math.Sqrt(error);
            _errorNorms[item] = ((float)Math.Sqrt(error) * (1 + RoundingSlack)) + (RoundingSlack * vectorNorm);
            _codeNorms[item] = (float)Math.Sqrt(norm) * (1 + RoundingSlack);
            _biasSlack[item] = RoundingSlack * (Math.Abs(biases[item]) + 1e-6f);
            _upperBiases[item] = biases[item] + _biasSlack[item];
            _inverseNorms[item] = norms[item] > 0 ? 1 / norms[item] : 0;
        }

        GC.KeepAlive(model);
    }

    /// <summary>The number of items (without the padding of the last block).</summary>
    public int ItemCount { get; }

    /// <summary>Whether this machine runs the 512-bit kernel (AVX-512 BW) that this form exists for.</summary>
    public static bool IsSupported => Avx512BW.IsSupported && Vector512.IsHardwareAccelerated;

    /// <summary>Whether <paramref name="model"/> is ranked through a quantized copy on this machine.</summary>
    public static bool Applies(FactorModel model) =>
        IsSupported && model.ItemCount >= MinimumItems && model.LatentDimension % Vector512<float>.Count == 0
        && (long)model.ItemCount * model.LatentDimension < Array.MaxLength - (BlockItems * model.LatentDimension);

    /// <summary>Builds the quantized copy of <paramref name="model"/>'s item factors.</summary>
    public static QuantizedItemFactors Create(FactorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new QuantizedItemFactors(model);
    }

    /// <summary>
    /// The exact top count for <paramref name="userVector"/>, as <see cref="TopKScorer.Recommend"/> ranks them
    /// with float scores, found by an 8-bit pass and an exact re-score of the candidates.
    /// </summary>
    /// <param name="model">The model this copy was made from.</param>
    /// <param name="userVector">The user vector.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="exclude">Items never returned.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    /// <param name="userBias">Added to every score.</param>
    /// <param name="rescored">How many items were scored exactly in the second pass.</param>
    public ScoredItem[] Recommend(FactorModel model, ReadOnlySpan<float> userVector, int count, ItemBitSet? exclude,
        ItemBitSet? allowed, Func<int, bool>? filter, float userBias, out int rescored)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ItemCount != ItemCount || userVector.Length != model.LatentDimension)
        {
            throw new ArgumentException("The model and user vector must be those this copy was made from.", nameof(model));
        }

        rescored = 0;
        var d = model.LatentDimension;
        var k = Math.Min(count, ItemCount);
        if (k <= 0)
        {
            return [];
        }

        Span<int> packed = stackalloc int[_groups];
        var query = QueryCodes.Create(userVector, packed);

        // The exact scores get the user's bias added last; a margin for its rounding keeps ties the float scorer's.
        var scoring = new DotAndBias(this, model, userVector, query, userBias, exclude, allowed, filter);
        var ranked = Rank(ref scoring, query, k, out rescored);

        // The float factors re-scored may be mapped: the model stays reachable until they are read (FactorModel remarks).
        GC.KeepAlive(model);
        return ranked;
    }

    /// <summary>
    /// The <paramref name="count"/> items most similar to <paramref name="item"/> by cosine, exactly as
    /// <see cref="TopKScorer.SimilarItems"/> ranks them in float, found by an 8-bit pass and an exact re-score.
    /// </summary>
    /// <param name="model">The model this copy was made from.</param>
    /// <param name="item">The query item.</param>
    /// <param name="count">How many items to return.</param>
    /// <param name="allowed">When set, only these items are returned.</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    /// <param name="rescored">How many items were scored exactly in the second pass.</param>
    public ScoredItem[] SimilarItems(FactorModel model, int item, int count, ItemBitSet? allowed, Func<int, bool>? filter, out int rescored)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.ItemCount != ItemCount)
        {
            throw new ArgumentException("The model must be the one this copy was made from.", nameof(model));
        }

        rescored = 0;
        var norms = model.ItemNorms;
        var k = Math.Min(count, ItemCount);
        if (k <= 0 || norms[item] == 0)
        {
            return [];
        }

        var vector = model.ItemVector(item);
        Span<int> packed = stackalloc int[_groups];
        var query = QueryCodes.Create(vector, packed);
        var scoring = new Cosine(this, model, vector, query, item, norms[item], allowed, filter);
        var ranked = Rank(ref scoring, query, k, out rescored);
        GC.KeepAlive(model);
        return ranked;
    }

    /// <summary>
    /// Pass 1 keeps the K-th best lower end of the items' intervals and collects the items whose upper end reaches it;
    /// pass 2 scores those exactly (in item order) and keeps the best K.
    /// </summary>
    private ScoredItem[] Rank<TScoring>(ref TScoring scoring, QueryCodes query, int k, out int rescored)
        where TScoring : IIntervalScoring, allows ref struct
    {
        rescored = 0;
        var lower = new LowerBounds(k);
        var candidates = ArrayPool<int>.Shared.Rent(Math.Max(4 * k, 256));
        var uppers = ArrayPool<float>.Shared.Rent(candidates.Length);
        var candidateCount = 0;
        try
        {
            Span<int> sums = stackalloc int[ChunkBlocks * BlockItems];
            Span<float> chunkUppers = stackalloc float[ChunkBlocks * BlockItems];
            Span<ushort> masks = stackalloc ushort[ChunkBlocks];
            var blocks = (ItemCount + BlockItems - 1) / BlockItems;
            for (var chunk = 0; chunk < blocks; chunk += ChunkBlocks)
            {
                var chunkBlocks = Math.Min(ChunkBlocks, blocks - chunk);
                var first = chunk * BlockItems;
                var length = chunkBlocks * BlockItems;
                BlockSums(chunk, chunkBlocks, query.Packed, sums);

                // Compared with the threshold at the chunk's start: it only rises, so items are re-checked one by one.
                if (!scoring.Uppers(first, sums[..length], lower.Threshold, chunkUppers[..length], masks))
                {
                    continue;
                }

                for (var block = 0; block < chunkBlocks; block++)
                {
                    var reaching = (uint)masks[block];
                    var blockUppers = chunkUppers.Slice(block * BlockItems, BlockItems);
                    for (; reaching != 0; reaching &= reaching - 1)
                    {
                        var lane = System.Numerics.BitOperations.TrailingZeroCount(reaching);
                        var item = first + (block * BlockItems) + lane;
                        var itemUpper = blockUppers[lane];
                        if (item >= ItemCount || itemUpper < lower.Threshold || !scoring.Eligible(item))
                        {
                            continue;
                        }

                        lower.Add(scoring.Lower(item, itemUpper));
                        if (candidateCount == candidates.Length)
                        {
                            Grow(ref candidates, candidateCount);
                            Grow(ref uppers, candidateCount);
                        }

                        candidates[candidateCount] = item;
                        uppers[candidateCount++] = itemUpper;
                    }
                }
            }

            var cut = lower.Threshold;
            var selector = new TopKSelector(k);
            for (var c = 0; c < candidateCount; c++)
            {
                if (uppers[c] < cut)
                {
                    continue;
                }

                rescored++;
                var score = scoring.Exact(candidates[c]);
                if (score >= selector.Threshold)
                {
                    selector.Add(candidates[c], score);
                }
            }

            return selector.ToSortedArray();
        }
        finally
        {
            ArrayPool<int>.Shared.Return(candidates);
            ArrayPool<float>.Shared.Return(uppers);
            lower.Dispose();
        }
    }

    /// <summary>
    /// The integer dot products ⟨qu, q⟩ of <paramref name="count"/> blocks from <paramref name="firstBlock"/> on, into
    /// <paramref name="sums"/>. Two blocks at a time share each broadcast of the user's codes.
    /// </summary>
    private void BlockSums(int firstBlock, int count, ReadOnlySpan<int> packedUser, Span<int> sums)
    {
        var groups = (nuint)_groups;
        var blockBytes = groups * BlockItems * 4;
        ref var codes = ref Unsafe.Add(ref Unsafe.As<sbyte, byte>(ref MemoryMarshal.GetArrayDataReference(_codes)), (nuint)firstBlock * blockBytes);
        ref var offsets = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_offsetSums), (nuint)firstBlock * BlockItems);
        ref var user = ref MemoryMarshal.GetReference(packedUser);
        ref var output = ref MemoryMarshal.GetReference(sums);
        var ones = Vector512.Create((short)1);
        var block = (nuint)0;
        for (; block + 2 <= (nuint)count; block += 2)
        {
            ref var first = ref Unsafe.Add(ref codes, block * blockBytes);
            ref var second = ref Unsafe.Add(ref first, blockBytes);
            var sum0 = Vector512.LoadUnsafe(ref offsets, block * BlockItems);
            var sum1 = Vector512.LoadUnsafe(ref offsets, (block + 1) * BlockItems);
            for (nuint group = 0; group < groups; group++)
            {
                var u = Vector512.Create(Unsafe.Add(ref user, group)).AsByte();
                var offset = group * BlockItems * 4;
                sum0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, Vector512.LoadUnsafe(ref first, offset).AsSByte()), ones);
                sum1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, Vector512.LoadUnsafe(ref second, offset).AsSByte()), ones);
            }

            sum0.StoreUnsafe(ref output, block * BlockItems);
            sum1.StoreUnsafe(ref output, (block + 1) * BlockItems);
        }

        if (block < (nuint)count)
        {
            ref var first = ref Unsafe.Add(ref codes, block * blockBytes);
            var sum = Vector512.LoadUnsafe(ref offsets, block * BlockItems);
            for (nuint group = 0; group < groups; group++)
            {
                var u = Vector512.Create(Unsafe.Add(ref user, group)).AsByte();
                sum += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(u, Vector512.LoadUnsafe(ref first, group * BlockItems * 4).AsSByte()), ones);
            }

            sum.StoreUnsafe(ref output, block * BlockItems);
        }
    }

    /// <summary>
    /// Upper ends of the intervals of a chunk of items, (su·s·⟨qu, q⟩ + ‖u‖·‖e‖ + ‖eu‖·‖s·q‖)·<paramref name="multipliers"/>·
    /// <paramref name="multiplier"/> + <paramref name="offsets"/> + <paramref name="slack"/> (a missing array counts as 1 or 0),
    /// and per block of 16 the mask of those at or above
    /// <paramref name="threshold"/>; false when no item of the chunk reaches it.
    /// </summary>
    private bool Uppers(int firstItem, ReadOnlySpan<int> sums, QueryCodes query, float[]? multipliers, float multiplier, float[]? offsets,
        float slack, float threshold, Span<float> uppers, Span<ushort> masks)
    {
        var start = (nuint)firstItem;
        ref var scales = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_scales), start);
        ref var errorNorms = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_errorNorms), start);
        ref var codeNorms = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_codeNorms), start);
        ref var input = ref MemoryMarshal.GetReference(sums);
        ref var output = ref MemoryMarshal.GetReference(uppers);
        var su = Vector512.Create(query.Scale);
        var un = Vector512.Create(query.Norm);
        var ue = Vector512.Create(query.Error);
        var margin = Vector512.Create(slack);
        var factor = Vector512.Create(multiplier);
        var cut = Vector512.Create(threshold);
        var any = 0UL;
        for (nuint i = 0; i < (nuint)sums.Length; i += BlockItems)
        {
            var bound = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref errorNorms, i), un, Vector512.LoadUnsafe(ref codeNorms, i) * ue);
            var upper = Vector512.FusedMultiplyAdd(Vector512.ConvertToSingle(Vector512.LoadUnsafe(ref input, i)), Vector512.LoadUnsafe(ref scales, i) * su, bound);
            if (multipliers is not null)
            {
                upper *= Vector512.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(multipliers), start), i) * factor;
            }

            if (offsets is not null)
            {
                upper += Vector512.LoadUnsafe(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(offsets), start), i);
            }

            upper += margin;
            upper.StoreUnsafe(ref output, i);
            var mask = Vector512.GreaterThanOrEqual(upper, cut).ExtractMostSignificantBits();
            masks[(int)(i / BlockItems)] = (ushort)mask;
            any |= mask;
        }

        return any != 0;
    }

    /// <summary>The quantization error bound of <paramref name="item"/>'s dot product with the query: ‖u‖·‖e‖ + ‖eu‖·‖s·q‖.</summary>
    private float Bound(int item, QueryCodes query) => (_errorNorms[item] * query.Norm) + (_codeNorms[item] * query.Error);

    /// <summary>A query vector coded for the first pass: 4 unsigned bytes per group (code + 64), its scale, norm and coding error.</summary>
    private readonly ref struct QueryCodes
    {
        private QueryCodes(ReadOnlySpan<int> packed, float scale, float norm, float error)
        {
            Packed = packed;
            Scale = scale;
            Norm = norm;
            Error = error;
        }

        /// <summary>The codes, four per int.</summary>
        public ReadOnlySpan<int> Packed { get; }

        /// <summary>su: the value of one code step.</summary>
        public float Scale { get; }

        /// <summary>‖u‖, inflated for rounding.</summary>
        public float Norm { get; }

        /// <summary>‖u − su·qu‖, inflated for rounding.</summary>
        public float Error { get; }

        public static QueryCodes Create(ReadOnlySpan<float> vector, Span<int> packed)
        {
            var scale = TensorPrimitives.MaxMagnitude(vector) / UserLevels;
            packed.Clear();
            double error = 0;
            for (var k = 0; k < vector.Length; k++)
            {
                var code = scale == 0 ? 0 : (int)Math.Clamp(MathF.Round(vector[k] / scale), -UserLevels, UserLevels);
                packed[k / 4] |= (code + UserOffset) << (8 * (k % 4));
                var residual = vector[k] - (scale * code);
                error += residual * (double)residual;
            }

            // Padding dimensions (d not a multiple of 4) carry user code 64 against item code 0: they add nothing.
            for (var k = vector.Length; k < packed.Length * 4; k++)
            {
                packed[k / 4] |= UserOffset << (8 * (k % 4));
            }

            return new QueryCodes(packed, scale, TensorPrimitives.Norm(vector) * (1 + RoundingSlack), (float)Math.Sqrt(error) * (1 + RoundingSlack));
        }
    }

    /// <summary>How a ranking turns the integer pass into score intervals, which items it may return, and their exact scores.</summary>
    private interface IIntervalScoring
    {
        /// <summary>Upper ends of a chunk's intervals and the masks of those reaching <paramref name="threshold"/>.</summary>
        bool Uppers(int firstItem, scoped ReadOnlySpan<int> sums, float threshold, scoped Span<float> uppers, scoped Span<ushort> masks);

        /// <summary>The lower end of the interval whose upper end is <paramref name="upper"/>.</summary>
        float Lower(int item, float upper);

        /// <summary>Whether the item may be returned.</summary>
        bool Eligible(int item);

        /// <summary>The score the float scorer gives the item, bit for bit.</summary>
        float Exact(int item);
    }

    /// <summary>Recommendation scores: user bias + item bias + ⟨u, v⟩, as <see cref="TopKScorer.RecommendFloat"/> computes them.</summary>
    private readonly ref struct DotAndBias(QuantizedItemFactors codes, FactorModel model, ReadOnlySpan<float> vector, QueryCodes query,
        float userBias, ItemBitSet? exclude, ItemBitSet? allowed, Func<int, bool>? filter) : IIntervalScoring
    {
        // The user's bias is added last to the exact scores; a margin for its rounding keeps ties the float scorer's.
        private readonly float _userBiasSlack = RoundingSlack * Math.Abs(userBias);
        private readonly ReadOnlySpan<float> _vector = vector;
        private readonly QueryCodes _query = query;

        public bool Uppers(int firstItem, scoped ReadOnlySpan<int> sums, float threshold, scoped Span<float> uppers, scoped Span<ushort> masks) =>
            codes.Uppers(firstItem, sums, _query, null, 1, codes._upperBiases, _userBiasSlack, threshold, uppers, masks);

        public float Lower(int item, float upper) => upper - (2 * (codes.Bound(item, _query) + codes._biasSlack[item] + _userBiasSlack));

        public bool Eligible(int item) =>
            (exclude is null || !exclude.Contains(item)) && (allowed is null || allowed.Contains(item)) && (filter is null || filter(item));

        public float Exact(int item)
        {
            var d = model.LatentDimension;
            return TopKScorer.DotRow(_vector, model.ItemFactors.Slice(item * d, d)) + model.ItemBiases[item] + userBias;
        }
    }

    /// <summary>Similarity scores: ⟨q, v⟩ / (‖q‖·‖v‖), as <see cref="TopKScorer.SimilarItems"/> computes them.</summary>
    private readonly ref struct Cosine(QuantizedItemFactors codes, FactorModel model, ReadOnlySpan<float> vector, QueryCodes query, int self,
        float queryNorm, ItemBitSet? allowed, Func<int, bool>? filter) : IIntervalScoring
    {
        private readonly ReadOnlySpan<float> _vector = vector;
        private readonly QueryCodes _query = query;
        private readonly float _inverseQueryNorm = 1 / queryNorm;

        // Cosines are at most 1 in size: an absolute margin covers the rounding of the division.
        private const float DivisionSlack = 1e-5f;

        public bool Uppers(int firstItem, scoped ReadOnlySpan<int> sums, float threshold, scoped Span<float> uppers, scoped Span<ushort> masks) =>
            codes.Uppers(firstItem, sums, _query, codes._inverseNorms, _inverseQueryNorm, null, DivisionSlack, threshold, uppers, masks);

        public float Lower(int item, float upper) =>
            upper - (2 * ((codes.Bound(item, _query) * codes._inverseNorms[item] * _inverseQueryNorm) + DivisionSlack));

        public bool Eligible(int item) =>
            item != self && model.ItemNorms[item] != 0 && (allowed is null || allowed.Contains(item)) && (filter is null || filter(item));

        public float Exact(int item)
        {
            var d = model.LatentDimension;
            return TensorPrimitives.Dot(_vector, model.ItemFactors.Slice(item * d, d)) / (queryNorm * model.ItemNorms[item]);
        }
    }

    /// <summary>
    /// The K largest lower ends seen (K ≥ 1), in a min-heap of floats (pooled): only the K-th value is needed, so no item
    /// indices and no tie rule, which makes an insertion a fraction of <see cref="TopKSelector.Add"/>.
    /// </summary>
    private struct LowerBounds(int k) : IDisposable
    {
        private readonly float[] _heap = ArrayPool<float>.Shared.Rent(k);
        private int _count;

        /// <summary>The K-th largest value added; −∞ until K were added.</summary>
        public readonly float Threshold => _count < k ? float.NegativeInfinity : _heap[0];

        public void Add(float value)
        {
            var heap = _heap;
            if (_count < k)
            {
                var position = _count++;
                while (position > 0)
                {
                    var parent = (position - 1) >> 1;
                    if (heap[parent] <= value)
                    {
                        break;
                    }

                    heap[position] = heap[parent];
                    position = parent;
                }

                heap[position] = value;
            }
            else if (value > heap[0])
            {
                var position = 0;
                while (true)
                {
                    var child = (2 * position) + 1;
                    if (child >= k)
                    {
                        break;
                    }

                    if (child + 1 < k && heap[child + 1] < heap[child])
                    {
                        child++;
                    }

                    if (heap[child] >= value)
                    {
                        break;
                    }

                    heap[position] = heap[child];
                    position = child;
                }

                heap[position] = value;
            }
        }

        public readonly void Dispose() => ArrayPool<float>.Shared.Return(_heap);
    }

    private static void Grow<T>(ref T[] array, int used)
    {
        var larger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan(0, used).CopyTo(larger);
        ArrayPool<T>.Shared.Return(array);
        array = larger;
    }
}
