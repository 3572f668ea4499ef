using System.Runtime.InteropServices;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Mixes;

/// <summary>
/// Time-decayed popularity of songs in short videos, from hourly <see cref="SongStat"/> rows.
/// </summary>
/// <remarks>
/// <para>
/// With window <c>W</c>, half-life <c>h = W / 4</c> and create boost <c>b</c>, a song's score is
/// <c>Σ f · (Weight + b · Creates) · 2^(−age / h)</c> over its statistics (every region and hour given),
/// where the events of a statistic are taken as spread evenly over its hour up to <c>now</c>:
/// <c>f</c> is the share of that span inside <c>[now − W, now]</c> and <c>age</c> is <c>now</c> minus the
/// middle of that share (for a whole past hour, the middle of the hour). Hours that have not begun are
/// ignored (clock skew). An event at the start of the window counts 1/16 of one happening now.
/// </para>
/// <para>
/// <c>Weight</c> already counts every action by its ingestion weight (create 5 … view 1 by default); the
/// boost adds <c>b</c> per video created, because new videos using a song are what makes it spread on the
/// short-video platform, while views follow them. With the default <c>b = 5</c> a create counts twice its
/// default weight; under the traffic generator's action mix creates then carry about a quarter of the score
/// instead of a seventh.
/// </para>
/// <para>Cost: O(n) over the statistics plus O(m log m) to sort the m songs. Pure; the caller reads the
/// statistics (e.g. <c>SongStatsStore.ReadAsync(now − window, now, region)</c>).</para>
/// </remarks>
public static class TrendingScorer
{
    /// <summary>Added to a statistic's weight per video created with the song.</summary>
    public const double DefaultCreateBoost = 5;

    /// <summary>The windows the API offers: 1 hour, 24 hours and 7 days.</summary>
    public static IReadOnlyList<TimeSpan> Windows { get; } = [TimeSpan.FromHours(1), TimeSpan.FromHours(24), TimeSpan.FromDays(7)];

    /// <summary>Reads a window as the API spells it: <c>1h</c>, <c>24h</c> (or <c>1d</c>), <c>7d</c> (or <c>1w</c>).</summary>
    /// <returns>False, with a zero window, for anything else.</returns>
    public static bool TryParseWindow(string? value, out TimeSpan window)
    {
        window = value?.Trim().ToLowerInvariant() switch
        {
            "1h" => TimeSpan.FromHours(1),
            "24h" or "1d" => TimeSpan.FromHours(24),
            "7d" or "1w" => TimeSpan.FromDays(7),
            _ => TimeSpan.Zero,
        };
        return window > TimeSpan.Zero;
    }

    /// <summary>Scores every song with events in the window, best first (ties by song id, ordinal).</summary>
    /// <param name="stats">Hourly statistics, any regions (filter them for a regional chart); rows of the same song add up.</param>
    /// <param name="now">The time the scores are for.</param>
    /// <param name="window">How far back events count; usually one of <see cref="Windows"/>.</param>
    /// <param name="createBoost">Added to the weight per video created with the song (see remarks).</param>
    /// <returns>Songs with a positive score.</returns>
    public static IReadOnlyList<ScoredSong> Score(IEnumerable<SongStat> stats, DateTimeOffset now, TimeSpan window, double createBoost = DefaultCreateBoost)
    {
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        if (!double.IsFinite(createBoost) || createBoost < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(createBoost), createBoost, "The create boost must be a finite number ≥ 0.");
        }

        var halfLifeTicks = window.Ticks / 4.0;
        var windowStart = now - window;
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var stat in stats)
        {
            var start = stat.Hour;
            if (start > now)
            {
                continue;
            }

            var end = Min(start + TimeSpan.FromHours(1), now);
            var from = Max(start, windowStart);
            if (from > end || (from == end && end > start))
            {
                continue;
            }

            var fraction = end > start ? (double)(end - from).Ticks / (end - start).Ticks : 1.0;
            var ageTicks = (now - from).Ticks - ((end - from).Ticks / 2.0);
            var value = fraction * (stat.Weight + (createBoost * stat.Creates)) * Math.Exp(-Math.Log(2) * ageTicks / halfLifeTicks);
            if (value > 0 && double.IsFinite(value))
            {
                CollectionsMarshal.GetValueRefOrAddDefault(sums, stat.SongId, out _) += value;
            }
        }

        var result = new ScoredSong[sums.Count];
        var k = 0;
        foreach (var (song, score) in sums)
        {
            result[k++] = new ScoredSong(song, score);
        }

        Array.Sort(result, static (a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : string.CompareOrdinal(a.SongId, b.SongId));
        return result;
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a >= b ? a : b;
}
