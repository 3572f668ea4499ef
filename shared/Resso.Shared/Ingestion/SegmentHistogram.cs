using System.Globalization;
using Resso.Shared.Events;

namespace Resso.Shared.Ingestion;

/// <summary>
/// How often each part of a song was used, in 5-second buckets of the segment's start, kept small
/// (the most used buckets) so it fits in one table property: <c>"30000-45000:12;0-15000:3"</c>.
/// The most used segment is where a deep link opens the song.
/// </summary>
public sealed class SegmentHistogram
{
    /// <summary>Bucket width: starts within 5 s count as the same segment.</summary>
    public const int BucketMs = 5_000;

    /// <summary>Buckets kept.</summary>
    public const int MaxBuckets = 8;

    private readonly Dictionary<int, (int EndMs, long Count)> _buckets = [];

    /// <summary>Reads the stored form; tolerates an empty or missing value.</summary>
    public static SegmentHistogram Parse(string? text)
    {
        var histogram = new SegmentHistogram();
        foreach (var part in (text ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (colon > 0 && dash > 0 && dash < colon
                && int.TryParse(part.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && int.TryParse(part.AsSpan(dash + 1, colon - dash - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var end)
                && long.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                histogram._buckets[start] = (end, count);
            }
        }

        return histogram;
    }

    /// <summary>Counts one use of <paramref name="segment"/>.</summary>
    public void Add(Segment segment, long count = 1)
    {
        var start = segment.StartMs / BucketMs * BucketMs;
        var length = segment.EndMs - segment.StartMs;
        _buckets[start] = _buckets.TryGetValue(start, out var b) ? (b.EndMs, b.Count + count) : (start + length, count);
    }

    /// <summary>Adds every bucket of <paramref name="other"/>.</summary>
    public void Add(SegmentHistogram other)
    {
        foreach (var (start, (end, count)) in other._buckets)
        {
            _buckets[start] = _buckets.TryGetValue(start, out var b) ? (b.EndMs, b.Count + count) : (end, count);
        }
    }

    /// <summary>The most used segment, if any was recorded (ties: the earliest start).</summary>
    public Segment? Top => _buckets.Count == 0
        ? null
        : _buckets.OrderByDescending(b => b.Value.Count).ThenBy(b => b.Key).Select(b => new Segment(b.Key, b.Value.EndMs)).First();

    /// <summary>The stored form, keeping the <see cref="MaxBuckets"/> most used buckets.</summary>
    public override string ToString() => string.Join(';', _buckets
        .OrderByDescending(b => b.Value.Count).ThenBy(b => b.Key).Take(MaxBuckets)
        .Select(b => string.Create(CultureInfo.InvariantCulture, $"{b.Key}-{b.Value.EndMs}:{b.Value.Count}")));
}
