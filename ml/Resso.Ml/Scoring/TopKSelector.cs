namespace Resso.Ml.Scoring;

/// <summary>An item index with its score.</summary>
/// <param name="Item">The item index.</param>
/// <param name="Score">Higher is better.</param>
public readonly record struct ScoredItem(int Item, float Score);

/// <summary>
/// Keeps the best K of a stream of scored items in a bounded min-heap: O(n log K), K entries of memory.
/// Ties go to the lower item index, so results are deterministic.
/// </summary>
public sealed class TopKSelector
{
    private readonly int[] _items;
    private readonly float[] _scores;

    /// <summary>Creates a selector for the best <paramref name="k"/> items.</summary>
    public TopKSelector(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        K = k;
        _items = new int[k];
        _scores = new float[k];
    }

    /// <summary>How many items are kept.</summary>
    public int K { get; }

    /// <summary>How many items are held (at most K).</summary>
    public int Count { get; private set; }

    /// <summary>The lowest score that would still enter the heap when it is full; −∞ until it is.</summary>
    public float Threshold => Count < K ? float.NegativeInfinity : _scores[0];

    /// <summary>Forgets every item.</summary>
    public void Clear() => Count = 0;

    /// <summary>Offers an item; NaN scores are ignored.</summary>
    public void Add(int item, float score)
    {
        if (K == 0 || float.IsNaN(score))
        {
            return;
        }

        if (Count < K)
        {
            var position = Count++;
            _items[position] = item;
            _scores[position] = score;
            SiftUp(position);
        }
        else if (Better(score, item, _scores[0], _items[0]))
        {
            _items[0] = item;
            _scores[0] = score;
            SiftDown(0);
        }
    }

    /// <summary>The kept items, best first.</summary>
    public ScoredItem[] ToSortedArray()
    {
        var result = new ScoredItem[Count];
        for (var k = 0; k < Count; k++)
        {
            result[k] = new ScoredItem(_items[k], _scores[k]);
        }

        Array.Sort(result, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Item.CompareTo(b.Item));
        return result;
    }

    /// <summary>Whether (score a, item a) ranks above (score b, item b).</summary>
    private static bool Better(float scoreA, int itemA, float scoreB, int itemB) =>
        scoreA > scoreB || (scoreA == scoreB && itemA < itemB);

    private void SiftUp(int position)
    {
        while (position > 0)
        {
            var parent = (position - 1) >> 1;
            if (!Better(_scores[parent], _items[parent], _scores[position], _items[position]))
            {
                break;
            }

            Swap(parent, position);
            position = parent;
        }
    }

    private void SiftDown(int position)
    {
        while (true)
        {
            var left = (2 * position) + 1;
            if (left >= Count)
            {
                return;
            }

            var worst = left;
            var right = left + 1;
            if (right < Count && Better(_scores[left], _items[left], _scores[right], _items[right]))
            {
                worst = right;
            }

            if (!Better(_scores[position], _items[position], _scores[worst], _items[worst]))
            {
                return;
            }

            Swap(position, worst);
            position = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_items[a], _items[b]) = (_items[b], _items[a]);
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
    }

    /// <summary>The best <paramref name="k"/> entries of a dense score array, skipping excluded and not-allowed items.</summary>
    /// <param name="scores">One score per item index.</param>
    /// <param name="k">How many to return.</param>
    /// <param name="exclude">Items never returned (e.g. the user's own items).</param>
    /// <param name="allowed">When set, only these items are returned (e.g. those available in a region).</param>
    /// <param name="filter">When set, only items it accepts are returned.</param>
    public static ScoredItem[] Select(ReadOnlySpan<float> scores, int k, ItemBitSet? exclude = null, ItemBitSet? allowed = null, Func<int, bool>? filter = null)
    {
        var selector = new TopKSelector(Math.Min(k, scores.Length));
        for (var item = 0; item < scores.Length; item++)
        {
            var score = scores[item];
            if (score < selector.Threshold
                || (exclude is not null && exclude.Contains(item))
                || (allowed is not null && !allowed.Contains(item))
                || (filter is not null && !filter(item)))
            {
                continue;
            }

            selector.Add(item, score);
        }

        return selector.ToSortedArray();
    }
}
