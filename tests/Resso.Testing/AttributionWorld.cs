using System.Diagnostics;
using System.Globalization;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Attribution;
using Resso.Shared.Catalog;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Storage;

namespace Resso.Testing;

/// <summary>What <see cref="AttributionWorld.SeedAsync"/> writes.</summary>
public sealed record AttributionWorldOptions
{
    /// <summary>Songs in the catalog (<c>s_000000</c>…), each with a title, an artist and a label.</summary>
    public int Songs { get; init; } = 10_000;

    /// <summary>Labels the songs belong to (a few large, many small).</summary>
    public int Labels { get; init; } = 200;

    /// <summary>Offers served over the period, by a power law over songs.</summary>
    public int Offers { get; init; } = 300_000;

    /// <summary>Days of traffic, ending at the last full hour.</summary>
    public int Days { get; init; } = 92;

    /// <summary>Share of offers whose link is followed (a click).</summary>
    public double ClickRate { get; init; } = 0.10;

    /// <summary>Share of offers whose claim code is redeemed (claims are issued for half as many again).</summary>
    public double ClaimRate { get; init; } = 0.02;

    /// <summary>Share of offers that end in an attributed conversion (a tenth as many again are unattributed).</summary>
    public double ConversionRate { get; init; } = 0.01;

    /// <summary>Seed of every random choice: the same options write the same world (ids aside).</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>What was written, and the period it covers.</summary>
/// <param name="From">Start of the traffic (inclusive, an hour).</param>
/// <param name="To">End of the traffic (exclusive, the last full hour).</param>
/// <param name="Offers">Offers served.</param>
/// <param name="Clicks">Clicks (first follows).</param>
/// <param name="Follows">Every follow, repeats included.</param>
/// <param name="ClaimsIssued">Claim codes issued.</param>
/// <param name="ClaimsRedeemed">Of which redeemed.</param>
/// <param name="Conversions">Conversions recorded, unattributed included.</param>
/// <param name="Uses">Create events in the song statistics.</param>
/// <param name="Elapsed">How long seeding took.</param>
public sealed record AttributionWorldSummary(
    DateTimeOffset From, DateTimeOffset To, long Offers, long Clicks, long Follows, long ClaimsIssued, long ClaimsRedeemed, long Conversions, long Uses, TimeSpan Elapsed);

/// <summary>
/// Seeds a running self-host's storage with months of attribution traffic through the product's own
/// writers: the catalog through <see cref="SongCatalog"/>, offers and clicks through an
/// <see cref="AnalyticsWriter"/> into the <see cref="OfferLog"/> and the clicks table, claims and
/// conversions through <see cref="AttributionStore"/>, uses through <see cref="SongStatsStore"/>.
/// Past times are written by giving those writers a clock that reads the time of the thing written,
/// so rows, ids and partitions are the ones live traffic makes.
/// </summary>
public static class AttributionWorld
{
    private static readonly string[] Regions = ["ID", "VN", "TH", "PH", "MY", "BR", "MX", "US", "IN", "SG", "JP", "KR", "TW", "AU", "GB", "DE", "FR", "ES", "IT", "TR", "SA", "EG", "NG", "ZA"];
    private static readonly string[] Kinds = ["open_in_app", "free_trial", "subscribe", "listen_free"];
    private static readonly string[] Platforms = ["android", "ios", "web"];
    private static readonly (string Experiment, string[] Variants)[] Experiments = [("cta-copy", ["control", "short", "emoji"]), ("trial-length", ["control", "14d"])];

    /// <summary>Seeds the storage of the host whose services are <paramref name="services"/>.</summary>
    public static async Task<AttributionWorldSummary> SeedAsync(IServiceProvider services, AttributionWorldOptions options, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        var watch = Stopwatch.StartNew();
        var clock = new ScriptedClock();
        var names = services.GetRequiredService<StorageNames>();
        var tables = services.GetRequiredService<TableServiceClient>();
        var store = new AttributionStore(tables, names, services.GetRequiredService<IOptions<IngestionOptions>>(), clock);
        using var offerLog = new OfferLog(services.GetRequiredService<BlobServiceClient>(), names);
        using var writer = new AnalyticsWriter(store, offerLog, clock, NullLogger<AnalyticsWriter>.Instance);
        var catalog = new SongCatalog(tables, names, clock);
        var stats = services.GetRequiredService<SongStatsStore>();
        var random = new Random(options.Seed);

        var to = clock.GetUtcNow();
        to = new DateTimeOffset(to.UtcDateTime.Date.AddHours(to.UtcDateTime.Hour), TimeSpan.Zero);
        var from = to.AddDays(-options.Days);

        // Catalog: labels by a power law over songs, so a few labels hold most of them.
        var labelOf = new string[options.Songs];
        var labelPick = new PowerLaw(options.Labels, 0.8);
        for (var i = 0; i < options.Songs; i++)
        {
            labelOf[i] = string.Create(CultureInfo.InvariantCulture, $"Label {labelPick.Next(random):D3}");
        }

        await Parallel.ForEachAsync(Enumerable.Range(0, options.Songs), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
            await catalog.UpsertAsync(SongId(i), new SongDetails($"Song {i}", $"Artist {i % 3000}", labelOf[i], 180_000, []), ct));
        if (services.GetService<CatalogSnapshot>() is { } snapshot)
        {
            await snapshot.RefreshAsync(cancellationToken);
        }

        progress?.Report($"catalog: {options.Songs:N0} songs, {options.Labels} labels ({watch.Elapsed.TotalSeconds:F0} s)");

        // Offers, in time order, with a click for some; clicks with a claim or a conversion kept for later.
        var songPick = new PowerLaw(options.Songs, 1.0);
        var span = (to - from).Ticks;
        var times = Enumerable.Range(0, options.Offers).Select(_ => from.AddTicks((long)(random.NextDouble() * span))).Order().ToList();
        var claims = new List<(ClickRecord Click, DateTimeOffset RedeemAt, bool Redeemed)>();
        var conversions = new List<ConversionRecord>();
        long clicks = 0, follows = 0;
        var claimShare = options.ClaimRate * 1.5 / options.ClickRate;
        var conversionShare = options.ConversionRate / options.ClickRate;
        foreach (var servedAt in times)
        {
            var song = songPick.Next(random);
            var experiment = random.NextDouble() < 0.4 ? ((string Experiment, string[] Variants)?)null : Experiments[random.Next(Experiments.Length)];
            var keys = new AttributionKeys(
                SongId(song),
                labelOf[song],
                Regions[Math.Min(Regions.Length - 1, (int)(Math.Pow(random.NextDouble(), 2) * Regions.Length))],
                random.NextDouble() < 0.2 ? null : string.Create(CultureInfo.InvariantCulture, $"v_{song:D6}_{(int)(Math.Pow(random.NextDouble(), 3) * 8)}"),
                string.Create(CultureInfo.InvariantCulture, $"u_{random.Next(50_000):D6}"),
                Platforms[random.Next(Platforms.Length)],
                experiment?.Experiment,
                experiment is { } e ? e.Variants[random.Next(e.Variants.Length)] : null);
            clock.Now = servedAt;
            var offerId = store.NewId('o');
            writer.Record(new OfferRecord(offerId, servedAt, Kinds[random.Next(Kinds.Length)], keys));
            if (random.NextDouble() < options.ClickRate)
            {
                var clickedAt = Min(servedAt.AddSeconds(5 + (random.NextDouble() * 600)), to.AddTicks(-1));
                clock.Now = clickedAt;
                var outcome = random.NextDouble();
                var destination = outcome < claimShare ? "store" : random.NextDouble() < 0.7 ? "app" : "web";
                var click = new ClickRecord(store.NewId('k'), clickedAt, offerId, destination, random.Next(0, 60) * 1000, keys);
                writer.Record(click);
                clicks++;
                follows++;
                if (random.NextDouble() < 0.1)
                {
                    var again = Min(clickedAt.AddSeconds(random.Next(2, 120)), to.AddTicks(-1));
                    clock.Now = again;
                    writer.Record(click with { ClickId = store.NewId('f'), ClickedAt = again, RepeatOf = click.ClickId });
                    follows++;
                }

                if (destination == "store")
                {
                    claims.Add((click, Min(clickedAt.AddMinutes(1 + (random.NextDouble() * 120)), to.AddTicks(-1)), random.NextDouble() < 2.0 / 3));
                }

                if (random.NextDouble() < conversionShare)
                {
                    var trial = random.NextDouble() < 0.3;
                    conversions.Add(new ConversionRecord(
                        string.Create(CultureInfo.InvariantCulture, $"c_{conversions.Count:D7}"), keys.UserId!, trial ? "premium-trial" : "premium-monthly",
                        trial ? 0m : keys.Region == "ID" ? 54990m : 4.99m, keys.Region == "ID" ? "IDR" : "USD",
                        Min(clickedAt.AddMinutes(random.NextDouble() * 2880), to.AddTicks(-1)), trial,
                        new ConversionAttribution(destination == "store" ? "claim" : "click", click.ClickId, offerId, keys)));
                }
            }

            if (writer.Pending > 50_000)
            {
                await FlushAsync(writer, cancellationToken);
            }
        }

        await FlushAsync(writer, cancellationToken);
        progress?.Report($"offers and follows: {options.Offers:N0} offers, {clicks:N0} clicks, {follows:N0} follows ({watch.Elapsed.TotalSeconds:F0} s)");

        // Claims issued at the click, redeemed later; each with the clock at that moment.
        await Parallel.ForEachAsync(claims, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (c, ct) =>
        {
            var code = ClaimCodes.New();
            clock.Now = c.Click.ClickedAt;
            await store.CreateClaimAsync(new ClaimRecord(code, c.Click.ClickId, c.Click.OfferId, "free_trial", c.Click.StartMs, c.Click.ClickedAt, c.Click.ClickedAt.AddDays(7), c.Click.Keys), ct);
            if (c.Redeemed)
            {
                clock.Now = c.RedeemAt;
                await store.RedeemClaimAsync(code, ct);
            }
        });
        var redeemed = claims.Count(c => c.Redeemed);
        progress?.Report($"claims: {claims.Count:N0} issued, {redeemed:N0} redeemed ({watch.Elapsed.TotalSeconds:F0} s)");

        // Conversions: the attributed ones above, and a tenth as many again that no click explains.
        for (var i = conversions.Count / 10; i > 0; i--)
        {
            conversions.Add(new ConversionRecord(
                string.Create(CultureInfo.InvariantCulture, $"c_{conversions.Count:D7}"), string.Create(CultureInfo.InvariantCulture, $"u_{random.Next(50_000):D6}"),
                "premium-monthly", 4.99m, "USD", from.AddTicks((long)(random.NextDouble() * span)), false, null));
        }

        await Parallel.ForEachAsync(conversions, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (c, ct) =>
        {
            clock.Now = c.OccurredAt;
            await store.RecordConversionAsync(c, ct);
        });
        progress?.Report($"conversions: {conversions.Count:N0} ({watch.Elapsed.TotalSeconds:F0} s)");

        // Uses: videos created with the songs, counted per hour as ingestion writes them (a message per 500 events).
        var uses = 0L;
        var hours = Enumerable.Range(0, options.Days * 24).Select(h => from.AddHours(h)).ToList();
        var creates = options.Offers / 10 / hours.Count;
        var usesRandom = new Random(options.Seed + 1);
        var messages = hours.SelectMany(hour => Enumerable.Range(0, creates).Select(_ =>
        {
            var song = songPick.Next(usesRandom);
            return new SongUsedEvent(
                Guid.NewGuid().ToString("N"), string.Create(CultureInfo.InvariantCulture, $"u_{usesRandom.Next(50_000):D6}"), SongId(song),
                string.Create(CultureInfo.InvariantCulture, $"v_{song:D6}_{usesRandom.Next(8)}"), SongAction.Create,
                Regions[Math.Min(Regions.Length - 1, (int)(Math.Pow(usesRandom.NextDouble(), 2) * Regions.Length))], hour.AddSeconds(usesRandom.Next(3600)));
        }).Chunk(500)).ToList();
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (events, ct) =>
        {
            await stats.WriteAsync(Guid.NewGuid().ToString("N"), events, ct);
            Interlocked.Add(ref uses, events.Length);
        });
        progress?.Report($"uses: {uses:N0} create events in {messages.Count:N0} messages ({watch.Elapsed.TotalSeconds:F0} s)");

        return new AttributionWorldSummary(from, to, options.Offers, clicks, follows, claims.Count, redeemed, conversions.Count, uses, watch.Elapsed);
    }

    /// <summary>The id of the <paramref name="index"/>-th song of the world.</summary>
    public static string SongId(int index) => string.Create(CultureInfo.InvariantCulture, $"s_{index:D6}");

    private static async Task FlushAsync(AnalyticsWriter writer, CancellationToken cancellationToken)
    {
        await writer.FlushAsync(cancellationToken);
        if (writer.Pending > 0 || writer.Dropped > 0)
        {
            throw new InvalidOperationException($"the analytics writer kept {writer.Pending} rows and dropped {writer.Dropped}: storage failed while seeding");
        }
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    // Index i drawn with weight 1 / (i + 1)^exponent.
    private sealed class PowerLaw
    {
        private readonly double[] _cumulative;

        public PowerLaw(int count, double exponent)
        {
            _cumulative = new double[count];
            var sum = 0.0;
            for (var i = 0; i < count; i++)
            {
                sum += 1 / Math.Pow(i + 1, exponent);
                _cumulative[i] = sum;
            }
        }

        public int Next(Random random)
        {
            var at = Array.BinarySearch(_cumulative, random.NextDouble() * _cumulative[^1]);
            return Math.Min(_cumulative.Length - 1, at < 0 ? ~at : at);
        }
    }

    // The time of what is being written, per async flow, so that parallel writers each see their own.
    private sealed class ScriptedClock : TimeProvider
    {
        private readonly AsyncLocal<DateTimeOffset?> _now = new();

        public DateTimeOffset Now
        {
            set => _now.Value = value;
        }

        public override DateTimeOffset GetUtcNow() => _now.Value ?? System.GetUtcNow();
    }
}
