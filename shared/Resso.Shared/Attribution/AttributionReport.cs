using System.Text.Json.Serialization;
using Resso.Shared.Ingestion;

namespace Resso.Shared.Attribution;

/// <summary>What a report row is grouped by; in JSON by its name (<c>"song"</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReportGrouping>))]
public enum ReportGrouping
{
    /// <summary>Per song.</summary>
    [JsonStringEnumMemberName("song")]
    Song,

    /// <summary>Per record label.</summary>
    [JsonStringEnumMemberName("label")]
    Label,

    /// <summary>Per viewer region.</summary>
    [JsonStringEnumMemberName("region")]
    Region,

    /// <summary>Per video.</summary>
    [JsonStringEnumMemberName("video")]
    Video,

    /// <summary>Per experiment and variant.</summary>
    [JsonStringEnumMemberName("variant")]
    Variant,
}

/// <summary>A proportion's 95 % confidence interval (Wilson score).</summary>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
public sealed record RateInterval(double Low, double High)
{
    /// <summary>The Wilson score interval of <paramref name="successes"/> out of <paramref name="trials"/> at 95 %.</summary>
    public static RateInterval? Wilson(long successes, long trials)
    {
        if (trials == 0)
        {
            return null;
        }

        const double Z = 1.959963984540054;
        double n = trials, p = successes / n, z2 = Z * Z;
        var centre = (p + (z2 / (2 * n))) / (1 + (z2 / n));
        var half = Z * Math.Sqrt((p * (1 - p) / n) + (z2 / (4 * n * n))) / (1 + (z2 / n));
        // Rounded as the rates are, so that a bound and its rate compare digit for digit.
        return new RateInterval(Math.Round(Math.Max(0, centre - half), AttributionRow.RateDigits), Math.Round(Math.Min(1, centre + half), AttributionRow.RateDigits));
    }
}

/// <summary>One group of the attribution report.</summary>
/// <param name="Key">The song, label, region, video, or <c>experiment/variant</c>.</param>
/// <param name="Uses">Videos created with the songs (from ingestion); null where events do not say (per video, per variant).</param>
/// <param name="Offers">Offers served.</param>
/// <param name="Clicks">Clicks: links followed, counting each device once per offer within the click window (<c>Resso__Links__ClickWindow</c>).</param>
/// <param name="Claims">Claim codes redeemed after an install.</param>
/// <param name="Conversions">Conversions attributed (trials and paid).</param>
/// <param name="Trials">Of which free trials.</param>
/// <param name="ClickThroughRate">Clicks per offer (distinct clicks, so at most 1 per offer unless one offer's link reaches several devices).</param>
/// <param name="ConversionRate">Conversions per click.</param>
/// <param name="ConversionRateInterval">95 % interval of the conversion rate (Wilson).</param>
/// <param name="Revenue">Paid amounts per currency.</param>
/// <param name="Follows">Every follow of a link, repeats included: at least <paramref name="Clicks"/>.</param>
/// <param name="Title">The song's title, when grouped by song and the catalog has it.</param>
/// <param name="Artist">The song's artist, when grouped by song and the catalog has it.</param>
public sealed record AttributionRow(
    string Key, long? Uses, long Offers, long Clicks, long Claims, long Conversions, long Trials,
    double? ClickThroughRate, double? ConversionRate, RateInterval? ConversionRateInterval, IReadOnlyDictionary<string, decimal> Revenue, long Follows,
    string? Title = null, string? Artist = null)
{
    /// <summary>The key of offers served outside any video, when grouped by video.</summary>
    public const string NoVideo = "(no video)";

    /// <summary>The key of offers in no experiment, when grouped by variant.</summary>
    public const string NoExperiment = "(no experiment)";

    /// <summary>Decimal places of rates and their bounds.</summary>
    public const int RateDigits = 6;
}

/// <summary>The attribution report.</summary>
/// <param name="From">Start (inclusive).</param>
/// <param name="To">End (exclusive).</param>
/// <param name="GroupBy">The grouping.</param>
/// <param name="Rows">One per group, most conversions first.</param>
/// <param name="Total">All groups together.</param>
/// <param name="UnattributedConversions">Conversions no click could be found for.</param>
/// <param name="UnattributedRevenue">Their revenue per currency.</param>
public sealed record AttributionReport(
    DateTimeOffset From, DateTimeOffset To, ReportGrouping GroupBy, IReadOnlyList<AttributionRow> Rows, AttributionRow Total,
    long UnattributedConversions, IReadOnlyDictionary<string, decimal> UnattributedRevenue);

/// <summary>How finely an attribution series is cut.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SeriesInterval>))]
public enum SeriesInterval
{
    /// <summary>One point per UTC hour.</summary>
    [JsonStringEnumMemberName("hour")]
    Hour,

    /// <summary>One point per UTC day.</summary>
    [JsonStringEnumMemberName("day")]
    Day,
}

/// <summary>One interval of a series.</summary>
/// <param name="At">Its start (UTC).</param>
/// <param name="Offers">Offers served in it.</param>
/// <param name="Clicks">Clicks (one per device and offer within the click window).</param>
/// <param name="Follows">Every follow, repeats included.</param>
/// <param name="Claims">Claim codes redeemed in it.</param>
/// <param name="Conversions">Conversions attributed, by when they occurred.</param>
/// <param name="Trials">Of which free trials.</param>
/// <param name="Revenue">Paid amounts per currency.</param>
public sealed record SeriesPoint(DateTimeOffset At, long Offers, long Clicks, long Follows, long Claims, long Conversions, long Trials, IReadOnlyDictionary<string, decimal> Revenue);

/// <summary>One group's counts over time.</summary>
/// <param name="Key">The song, label, region, video or variant (as in the report), or <c>total</c>.</param>
/// <param name="Points">Every interval of the period in order, zeros included.</param>
/// <param name="Title">The song's title, when grouped by song and the catalog has it.</param>
/// <param name="Artist">The song's artist, likewise.</param>
public sealed record AttributionSeries(string Key, IReadOnlyList<SeriesPoint> Points, string? Title = null, string? Artist = null);

/// <summary>The funnel over time.</summary>
/// <param name="From">Start (inclusive), at an interval's start.</param>
/// <param name="To">End (exclusive).</param>
/// <param name="Interval">The interval.</param>
/// <param name="GroupBy">The grouping.</param>
/// <param name="Series">The asked-for group, or the top groups (most conversions, then clicks, then offers, over the period).</param>
/// <param name="Total">All groups together.</param>
public sealed record AttributionSeriesReport(DateTimeOffset From, DateTimeOffset To, SeriesInterval Interval, ReportGrouping GroupBy, IReadOnlyList<AttributionSeries> Series, AttributionSeries Total);

/// <summary>Builds the attribution report from served offers, clicks, claims, conversions and song statistics.</summary>
public sealed class AttributionReporter(AttributionStore store, OfferLog offers, SongStatsStore stats, SongCatalog catalog)
{
    /// <summary>The report for [<paramref name="from"/>, <paramref name="to"/>).</summary>
    /// <param name="from">Start (inclusive).</param>
    /// <param name="to">End (exclusive).</param>
    /// <param name="groupBy">The grouping.</param>
    /// <param name="labelOf">
    /// Grouped by label, the label of a song (empty when unknown) from a catalog held in memory, for
    /// the songs with uses; null reads each of those songs from the catalog table, one call per song.
    /// </param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task<AttributionReport> BuildAsync(DateTimeOffset from, DateTimeOffset to, ReportGrouping groupBy, Func<string, string>? labelOf = null, CancellationToken cancellationToken = default)
    {
        var (cells, unattributed) = await AccumulateAsync(from, to, groupBy, static _ => default, cancellationToken);
        var groups = cells.ToDictionary(c => c.Key.Key, c => c.Value, StringComparer.Ordinal);

        if (groupBy is ReportGrouping.Song or ReportGrouping.Region or ReportGrouping.Label)
        {
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            await foreach (var stat in stats.ReadAsync(from, to, cancellationToken: cancellationToken))
            {
                if (stat.Creates == 0)
                {
                    continue;
                }

                var key = groupBy switch
                {
                    ReportGrouping.Song => stat.SongId,
                    ReportGrouping.Region => stat.Region,
                    _ => labels.TryGetValue(stat.SongId, out var label) ? label
                        : labels[stat.SongId] = labelOf?.Invoke(stat.SongId) ?? (await catalog.GetAsync(stat.SongId, cancellationToken))?.Details?.Label ?? "",
                };
                var a = groups.TryGetValue(key, out var existing) ? existing : groups[key] = new Accumulator();
                a.Uses = (a.Uses ?? 0) + stat.Creates;
            }
        }

        var rows = groups.Select(g => g.Value.ToRow(g.Key, groupBy))
            .OrderByDescending(r => r.Conversions).ThenByDescending(r => r.Clicks).ThenByDescending(r => r.Offers).ThenBy(r => r.Key, StringComparer.Ordinal)
            .ToList();
        var total = groups.Values.Aggregate(new Accumulator(), (sum, a) => sum.Merge(a)).ToRow("total", groupBy);
        return new AttributionReport(from, to, groupBy, rows, total, unattributed.Conversions, unattributed.Revenue);
    }

    /// <summary>
    /// The funnel in [<paramref name="from"/>, <paramref name="to"/>) per <paramref name="interval"/>: for the group
    /// <paramref name="key"/>, or else for the <paramref name="top"/> groups of the period; and the total.
    /// <paramref name="from"/> is moved back to its interval's start.
    /// </summary>
    public async Task<AttributionSeriesReport> BuildSeriesAsync(
        DateTimeOffset from, DateTimeOffset to, SeriesInterval interval, ReportGrouping groupBy, string? key, int top, CancellationToken cancellationToken = default)
    {
        var start = Bucket(from, interval);
        var (cells, _) = await AccumulateAsync(start, to, groupBy, at => Bucket(at, interval), cancellationToken);
        var step = interval == SeriesInterval.Hour ? TimeSpan.FromHours(1) : TimeSpan.FromDays(1);
        var buckets = new List<DateTimeOffset>();
        for (var at = start; at < to; at += step)
        {
            buckets.Add(at);
        }

        AttributionSeries SeriesOf(string name, Func<string, bool> member)
        {
            var byBucket = new Dictionary<DateTimeOffset, Accumulator>();
            foreach (var (cell, counts) in cells.Where(c => member(c.Key.Key)))
            {
                (byBucket.TryGetValue(cell.Bucket, out var sum) ? sum : byBucket[cell.Bucket] = new Accumulator()).Merge(counts);
            }

            return new AttributionSeries(name, [.. buckets.Select(at => (byBucket.GetValueOrDefault(at) ?? new Accumulator()).ToPoint(at))]);
        }

        var keys = key is not null
            ? [key]
            : cells.GroupBy(c => c.Key.Key, StringComparer.Ordinal)
                .Select(g => (Key: g.Key, Sum: g.Aggregate(new Accumulator(), (sum, c) => sum.Merge(c.Value))))
                .OrderByDescending(g => g.Sum.Conversions).ThenByDescending(g => g.Sum.Clicks).ThenByDescending(g => g.Sum.Offers).ThenBy(g => g.Key, StringComparer.Ordinal)
                .Take(top).Select(g => g.Key).ToList();
        return new AttributionSeriesReport(start, to, interval, groupBy,
            [.. keys.Select(k => SeriesOf(k, c => string.Equals(c, k, StringComparison.Ordinal)))],
            SeriesOf("total", static _ => true));
    }

    private static DateTimeOffset Bucket(DateTimeOffset at, SeriesInterval interval)
    {
        var utc = at.ToUniversalTime();
        return interval == SeriesInterval.Hour
            ? new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero)
            : new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero);
    }

    // Offers, follows, redeemed claims and conversions in [from, to), per group and per bucket of their time.
    private async Task<(Dictionary<(string Key, DateTimeOffset Bucket), Accumulator> Cells, Accumulator Unattributed)> AccumulateAsync(
        DateTimeOffset from, DateTimeOffset to, ReportGrouping groupBy, Func<DateTimeOffset, DateTimeOffset> bucket, CancellationToken cancellationToken)
    {
        var cells = new Dictionary<(string Key, DateTimeOffset Bucket), Accumulator>();
        Accumulator Cell(AttributionKeys keys, DateTimeOffset at)
        {
            var cell = (KeyOf(keys, groupBy), bucket(at));
            return cells.TryGetValue(cell, out var a) ? a : cells[cell] = new Accumulator();
        }

        await foreach (var offer in offers.ReadAsync(from, to, cancellationToken))
        {
            Cell(offer.Keys, offer.Second).Offers += offer.Count;
        }

        await foreach (var follow in store.ReadClicksAsync(from, to, cancellationToken))
        {
            var cell = Cell(follow.Keys, follow.ClickedAt);
            cell.Follows++;
            if (follow.IsClick)
            {
                cell.Clicks++;
            }
        }

        await foreach (var claim in store.ReadRedeemedClaimsAsync(from, to, cancellationToken))
        {
            Cell(claim.Keys, claim.RedeemedAt ?? claim.CreatedAt).Claims++;
        }

        var unattributed = new Accumulator();
        await foreach (var conversion in store.ReadConversionsAsync(from, to, cancellationToken))
        {
            (conversion.Attribution is { } attribution ? Cell(attribution.Keys, conversion.OccurredAt) : unattributed).Add(conversion);
        }

        return (cells, unattributed);
    }

    private static string KeyOf(AttributionKeys keys, ReportGrouping groupBy) => groupBy switch
    {
        ReportGrouping.Song => keys.SongId,
        ReportGrouping.Label => keys.Label,
        ReportGrouping.Region => keys.Region,
        ReportGrouping.Video => keys.VideoId ?? AttributionRow.NoVideo,
        _ => keys.Experiment is null ? AttributionRow.NoExperiment : $"{keys.Experiment}/{keys.Variant}",
    };

    private sealed class Accumulator
    {
        public long? Uses { get; set; }

        public long Offers { get; set; }

        public long Clicks { get; set; }

        public long Follows { get; set; }

        public long Claims { get; set; }

        public long Conversions { get; set; }

        public long Trials { get; set; }

        public Dictionary<string, decimal> Revenue { get; } = new(StringComparer.Ordinal);

        public void Add(ConversionRecord conversion)
        {
            Conversions++;
            if (conversion.IsTrial)
            {
                Trials++;
            }

            if (conversion.Amount != 0)
            {
                Revenue[conversion.Currency] = Revenue.GetValueOrDefault(conversion.Currency) + conversion.Amount;
            }
        }

        public Accumulator Merge(Accumulator other)
        {
            Uses = Uses is null && other.Uses is null ? null : (Uses ?? 0) + (other.Uses ?? 0);
            Offers += other.Offers;
            Clicks += other.Clicks;
            Follows += other.Follows;
            Claims += other.Claims;
            Conversions += other.Conversions;
            Trials += other.Trials;
            foreach (var (currency, amount) in other.Revenue)
            {
                Revenue[currency] = Revenue.GetValueOrDefault(currency) + amount;
            }

            return this;
        }

        public SeriesPoint ToPoint(DateTimeOffset at) => new(at, Offers, Clicks, Follows, Claims, Conversions, Trials, Revenue);

        public AttributionRow ToRow(string key, ReportGrouping groupBy) => new(
            key,
            groupBy is ReportGrouping.Video or ReportGrouping.Variant ? null : Uses ?? 0,
            Offers,
            Clicks,
            Claims,
            Conversions,
            Trials,
            Offers == 0 ? null : Math.Round((double)Clicks / Offers, AttributionRow.RateDigits),
            Clicks == 0 ? null : Math.Round((double)Conversions / Clicks, AttributionRow.RateDigits),
            RateInterval.Wilson(Math.Min(Conversions, Clicks), Clicks),
            Revenue,
            Follows);
    }
}
