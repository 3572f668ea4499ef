using System.Numerics;

namespace Resso.Load.Histograms;

/// <summary>
/// A log-linear bucketed histogram of non-negative integers (HDR-style): values below 256 are
/// counted exactly; above, every power of two is split into 128 equal buckets, so a bucket is at
/// most 1/128 of its lower bound wide and a percentile read from it (the bucket's midpoint) is
/// within <see cref="MaxRelativeError"/> of the exact one.
/// </summary>
/// <remarks>
/// One writer at a time and no locks: the load generator gives each worker its own histogram and
/// merges them with <see cref="Add"/> once the workers have stopped.
/// </remarks>
public sealed class LatencyHistogram
{
    private const int SubBucketBits = 8;
    private const int SubBucketCount = 1 << SubBucketBits;
    private const int SubBucketHalf = SubBucketCount / 2;
    private const int Magnitudes = 44;
    private const int BucketCount = SubBucketCount + (Magnitudes - SubBucketBits) * SubBucketHalf;

    /// <summary>The largest value told apart from larger ones (2^44 − 1: about 4.9 hours in nanoseconds).</summary>
    /// <remarks>Larger values land in the last bucket; <see cref="Max"/> still holds the exact largest.</remarks>
    public const long HighestTrackableValue = (1L << Magnitudes) - 1;

    /// <summary>The most a percentile may differ from the exact one, relative to it: half a bucket, 1/256 (0.39 %).</summary>
    public const double MaxRelativeError = 1.0 / (2 * SubBucketHalf);

    private readonly long[] _counts = new long[BucketCount];
    private long _sum;

    /// <summary>Values recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The smallest value recorded, exactly; 0 when empty.</summary>
    public long Min { get; private set; }

    /// <summary>The largest value recorded, exactly; 0 when empty.</summary>
    public long Max { get; private set; }

    /// <summary>The exact mean of the recorded values; 0 when empty.</summary>
    public double Mean => Count == 0 ? 0 : (double)_sum / Count;

    /// <summary>Counts <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is negative.</exception>
    public void Record(long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        _counts[IndexOf(Math.Min(value, HighestTrackableValue))]++;
        Min = Count == 0 ? value : Math.Min(Min, value);
        Max = Math.Max(Max, value);
        _sum += value;
        Count++;
    }

    /// <summary>Adds everything <paramref name="other"/> recorded to this histogram.</summary>
    public void Add(LatencyHistogram other)
    {
        if (other.Count == 0)
        {
            return;
        }

        for (var i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }

        Min = Count == 0 ? other.Min : Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
        _sum += other._sum;
        Count += other.Count;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0–100) by nearest rank: the smallest recorded value
    /// with at least that share of values at or below it, within <see cref="MaxRelativeError"/>.
    /// 0 when empty; 100 gives <see cref="Max"/> and 0 gives <see cref="Min"/> exactly.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(percentile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percentile, 100);
        if (Count == 0)
        {
            return 0;
        }

        var rank = RankOf(percentile, Count);
        if (rank <= 1)
        {
            return Min;
        }

        if (rank >= Count)
        {
            return Max;
        }

        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (lower, width) = BucketOf(i);
                return Math.Clamp(lower + width / 2, Min, Max);
            }
        }

        return Max;
    }

    /// <summary>The 1-based nearest rank of <paramref name="percentile"/> among <paramref name="count"/> sorted values.</summary>
    public static long RankOf(double percentile, long count)
    {
        // decimal, so that 99.9 % of 1000 is rank 999 and not 1000 through binary rounding
        var rank = (long)Math.Ceiling((decimal)percentile / 100m * count);
        return Math.Clamp(rank, 1, Math.Max(count, 1));
    }

    private static int IndexOf(long value)
    {
        if (value < SubBucketCount)
        {
            return (int)value;
        }

        var magnitude = 63 - BitOperations.LeadingZeroCount((ulong)value);
        var shift = magnitude - (SubBucketBits - 1);
        var top = (int)(value >> shift);
        return SubBucketCount + (magnitude - SubBucketBits) * SubBucketHalf + (top - SubBucketHalf);
    }

    private static (long Lower, long Width) BucketOf(int index)
    {
        if (index < SubBucketCount)
        {
            return (index, 1);
        }

        var offset = index - SubBucketCount;
        var magnitude = SubBucketBits + offset / SubBucketHalf;
        var top = SubBucketHalf + offset % SubBucketHalf;
        var shift = magnitude - (SubBucketBits - 1);
        return ((long)top << shift, 1L << shift);
    }
}
