namespace Resso.Ml.Ranking;

/// <summary>
/// A sparse item-to-item model: for each source item, its strongest target items and their weights
/// (CSR). A user's score for item j is the sum of the weights from each of their items to j, which is
/// how EASE scores (x_u·B) with B pruned to its largest entries per row.
/// </summary>
public sealed class ItemNeighbours
{
    private readonly int[] _offsets;
    private readonly int[] _targets;
    private readonly float[] _weights;

    /// <summary>Wraps CSR rows: row i spans [offsets[i], offsets[i + 1]).</summary>
    /// <exception cref="ArgumentException">The rows are inconsistent.</exception>
    public ItemNeighbours(int[] offsets, int[] targets, float[] weights)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(weights);
        if (offsets.Length == 0 || offsets[0] != 0 || offsets[^1] != targets.Length || targets.Length != weights.Length)
        {
            throw new ArgumentException("Neighbour rows must start at 0 and end at the number of entries, one weight per target.");
        }

        var items = offsets.Length - 1;
        for (var i = 0; i < items; i++)
        {
            if (offsets[i + 1] < offsets[i])
            {
                throw new ArgumentException($"Neighbour row {i} ends before it starts.");
            }
        }

        foreach (var target in targets)
        {
            if ((uint)target >= (uint)items)
            {
                throw new ArgumentException($"Neighbour target {target} is outside the {items} items.");
            }
        }

        (_offsets, _targets, _weights) = (offsets, targets, weights);
    }

    /// <summary>Items (rows).</summary>
    public int ItemCount => _offsets.Length - 1;

    /// <summary>Stored (source, target) pairs.</summary>
    public int Count => _targets.Length;

    /// <summary>Row offsets (length items + 1).</summary>
    public ReadOnlySpan<int> Offsets => _offsets;

    /// <summary>Targets of all rows.</summary>
    public ReadOnlySpan<int> Targets => _targets;

    /// <summary>Weights of all rows.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>The targets of <paramref name="item"/>.</summary>
    public ReadOnlySpan<int> TargetsOf(int item) => _targets.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>The weights of <paramref name="item"/>'s targets.</summary>
    public ReadOnlySpan<float> WeightsOf(int item) => _weights.AsSpan(_offsets[item], _offsets[item + 1] - _offsets[item]);

    /// <summary>Adds each source item's row into <paramref name="scores"/> (one slot per item).</summary>
    public void Accumulate(ReadOnlySpan<int> sources, Span<float> scores)
    {
        foreach (var source in sources)
        {
            if ((uint)source >= (uint)ItemCount)
            {
                continue;
            }

            var targets = TargetsOf(source);
            var weights = WeightsOf(source);
            for (var k = 0; k < targets.Length; k++)
            {
                scores[targets[k]] += weights[k];
            }
        }
    }

    /// <summary>Managed bytes held.</summary>
    public long SizeInBytes => (_offsets.Length * 4L) + (_targets.Length * 8L);
}
