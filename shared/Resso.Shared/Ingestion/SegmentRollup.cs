namespace Resso.Shared.Ingestion;

/// <summary>
/// Finds each song's most used segment over the last week of song statistics and records it in the
/// catalog, where offers read it (a deep link opens the song there by default). Runs hourly.
/// </summary>
public sealed class SegmentRollup(SongStatsStore stats, SongCatalog catalog, TimeProvider timeProvider)
{
    /// <summary>How far back the roll-up looks.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromDays(7);

    /// <summary>Recomputes every song's top segment; returns how many songs have one.</summary>
    public async Task<int> RunAsync(CancellationToken cancellationToken = default) =>
        (await RunWithSongsAsync(cancellationToken)).Segments;

    /// <summary>Recomputes every song's top segment; returns how many songs have one, and every song the window's statistics hold.</summary>
    public async Task<(int Segments, IReadOnlyCollection<string> Songs)> RunWithSongsAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var histograms = new Dictionary<string, SegmentHistogram>(StringComparer.Ordinal);
        await foreach (var stat in stats.ReadAsync(now - Window, now.AddHours(1), cancellationToken: cancellationToken))
        {
            if (!histograms.TryGetValue(stat.SongId, out var histogram))
            {
                histograms[stat.SongId] = histogram = new SegmentHistogram();
            }

            histogram.Add(stat.Segments);
        }

        var tops = histograms.Where(h => h.Value.Top is not null).ToDictionary(h => h.Key, h => h.Value.Top!, StringComparer.Ordinal);
        await catalog.SetTopSegmentsAsync(tops, cancellationToken);
        return (tops.Count, histograms.Keys);
    }
}
