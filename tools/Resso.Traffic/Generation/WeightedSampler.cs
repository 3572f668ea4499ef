namespace Resso.Traffic.Generation;

/// <summary>Draws an index with probability proportional to its weight (binary search over the running sum).</summary>
internal sealed class WeightedSampler
{
    private readonly double[] _cumulative;

    public WeightedSampler(IReadOnlyList<double> weights)
    {
        if (weights.Count == 0)
        {
            throw new ArgumentException("At least one weight is needed.", nameof(weights));
        }

        _cumulative = new double[weights.Count];
        var sum = 0.0;
        for (var i = 0; i < weights.Count; i++)
        {
            sum += Math.Max(0, weights[i]);
            _cumulative[i] = sum;
        }

        if (sum <= 0)
        {
            throw new ArgumentException("At least one weight must be above 0.", nameof(weights));
        }
    }

    public int Count => _cumulative.Length;

    /// <summary>Weights 1/(rank+1)^exponent for ranks 0…count-1: rank 0 is the most likely.</summary>
    public static WeightedSampler Zipf(int count, double exponent)
    {
        var weights = new double[count];
        for (var rank = 0; rank < count; rank++)
        {
            weights[rank] = Math.Pow(rank + 1, -exponent);
        }

        return new WeightedSampler(weights);
    }

    public int Sample(Random random)
    {
        var target = random.NextDouble() * _cumulative[^1];
        var index = Array.BinarySearch(_cumulative, target);
        index = index < 0 ? ~index : index + 1;
        // Skip zero-weight entries that share the running sum, and guard the upper edge.
        while (index < _cumulative.Length - 1 && _cumulative[index] <= target)
        {
            index++;
        }

        return Math.Min(index, _cumulative.Length - 1);
    }
}
