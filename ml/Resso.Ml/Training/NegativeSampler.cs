using Resso.Ml.Data;

namespace Resso.Ml.Training;

/// <summary>Draws items a user has not interacted with, uniformly or by smoothed popularity.</summary>
internal sealed class NegativeSampler
{
    private const int MaxRejections = 32;
    private readonly double[]? _cumulative;
    private readonly int _itemCount;

    public NegativeSampler(InteractionData data, double exponent)
    {
        _itemCount = data.ItemCount;
        if (exponent > 0)
        {
            var counts = data.ItemCounts;
            _cumulative = new double[_itemCount];
            var total = 0.0;
            for (var i = 0; i < _itemCount; i++)
            {
                total += Math.Pow(counts[i] + 1.0, exponent);
                _cumulative[i] = total;
            }
        }
    }

    /// <summary>An item not in <paramref name="userItems"/> (sorted), if one is found within a few draws.</summary>
    public int Sample(Random random, ReadOnlySpan<int> userItems)
    {
        var item = 0;
        for (var attempt = 0; attempt < MaxRejections; attempt++)
        {
            item = Draw(random);
            if (userItems.BinarySearch(item) < 0)
            {
                return item;
            }
        }

        return item;
    }

    private int Draw(Random random)
    {
        if (_cumulative is null)
        {
            return random.Next(_itemCount);
        }

        var target = random.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        index = index < 0 ? ~index : index;
        return Math.Min(index, _itemCount - 1);
    }
}
