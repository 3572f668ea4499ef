using System.Globalization;

namespace Resso.Traffic.Generation;

/// <summary>One offer the demo's funnel asks for, and how far its viewer goes.</summary>
/// <param name="Index">Its place in the plan, from 0.</param>
/// <param name="SongId">The song under the video.</param>
/// <param name="Viewer">The viewer, from the world.</param>
/// <param name="Platform"><c>ios</c> or <c>android</c>.</param>
/// <param name="VideoId">The video the song plays in; null for an offer outside a video.</param>
/// <param name="Clicks">The viewer follows the offer's link from a phone without the app.</param>
/// <param name="Claims">After installing, the app redeems the claim code.</param>
/// <param name="Converts">The viewer subscribes.</param>
/// <param name="Trial">The subscription is a free trial.</param>
public sealed record PlannedOffer(int Index, string SongId, SyntheticUser Viewer, string Platform, string? VideoId, bool Clicks, bool Claims, bool Converts, bool Trial)
{
    /// <summary>A phone's User-Agent for the viewer, distinct per viewer: the service tells devices apart by it on one address.</summary>
    public string UserAgent => Platform == "ios"
        ? string.Create(CultureInfo.InvariantCulture, $"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E{Viewer.Index} Safari/604.1")
        : string.Create(CultureInfo.InvariantCulture, $"Mozilla/5.0 (Linux; Android 14; SM-A{Viewer.Index}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36");
}

/// <summary>
/// The demo's funnel, drawn from the generator's seed and run: offers spread over the service's
/// trending songs by their score, for viewers of the world in regions where the song is available,
/// mostly in one of the song's videos; about 15 % of offers clicked, 40 % of clicks claimed, 60 % of
/// claims converted, half of those trials. The same seed, run and chart give the same plan.
/// </summary>
public static class FunnelPlan
{
    /// <summary>Offers whose link is followed.</summary>
    public const double ClickRate = 0.15;

    /// <summary>Clicks whose claim code is redeemed.</summary>
    public const double ClaimRate = 0.40;

    /// <summary>Claims that end in a subscription.</summary>
    public const double ConversionRate = 0.60;

    /// <summary>Subscriptions that are free trials.</summary>
    public const double TrialRate = 0.50;

    /// <summary>Offers in one of the song's videos when it has any.</summary>
    public const double InVideoRate = 0.85;

    // Regions where iPhones are common; elsewhere most phones run Android.
    private static readonly HashSet<string> IosHeavy = new(["US", "GB", "JP", "CA", "AU", "DE", "FR"], StringComparer.Ordinal);

    // What a paid month costs where the offer names no plan: the sample settings' prices.
    private static readonly Dictionary<string, (decimal Amount, string Currency)> Prices = new(StringComparer.Ordinal)
    {
        ["US"] = (10.99m, "USD"), ["ID"] = (54_990m, "IDR"), ["BR"] = (21.90m, "BRL"), ["MX"] = (115m, "MXN"),
        ["IN"] = (119m, "INR"), ["PH"] = (149m, "PHP"), ["GB"] = (10.99m, "GBP"), ["JP"] = (980m, "JPY"),
        ["DE"] = (10.99m, "EUR"), ["FR"] = (10.99m, "EUR"), ["ES"] = (10.99m, "EUR"), ["IT"] = (10.99m, "EUR"),
        ["TH"] = (149m, "THB"), ["VN"] = (59_000m, "VND"), ["MY"] = (17.90m, "MYR"), ["TR"] = (59.99m, "TRY"),
        ["CA"] = (11.99m, "CAD"), ["AU"] = (13.99m, "AUD"),
    };

    /// <summary>
    /// Draws <paramref name="offers"/> offers over <paramref name="chart"/> (song ids with their scores,
    /// best first); songs the world does not know are left out.
    /// </summary>
    /// <exception cref="ArgumentException">No song of the chart is in the world.</exception>
    public static IReadOnlyList<PlannedOffer> Draw(TrafficGenerator generator, IReadOnlyList<(string SongId, double Score)> chart, int offers)
    {
        ArgumentNullException.ThrowIfNull(generator);
        ArgumentNullException.ThrowIfNull(chart);
        var world = generator.World;
        var known = new HashSet<string>(world.Songs.Select(s => s.Id), StringComparer.Ordinal);
        var songs = chart.Select((c, rank) => (c.SongId, c.Score, Rank: rank)).Where(c => known.Contains(c.SongId)).ToList();
        if (songs.Count == 0)
        {
            throw new ArgumentException("None of the trending songs is in the generator's world.", nameof(chart));
        }

        // By score when the chart has them, else by rank.
        var sampler = new WeightedSampler(songs.All(s => s.Score > 0) ? [.. songs.Select(s => s.Score)] : [.. songs.Select(s => 1.0 / (s.Rank + 1))]);
        var videos = VideosOf(generator, songs.Select(s => s.SongId));
        var viewers = new Dictionary<string, List<SyntheticUser>>(StringComparer.Ordinal);
        var platforms = new Dictionary<string, string>(StringComparer.Ordinal);

        var random = new Random(unchecked((generator.Options.Seed * 73_856_093) ^ (generator.Options.Run * 19_349_663) ^ 0x46554E));
        var plan = new List<PlannedOffer>(offers);
        for (var i = 0; i < offers; i++)
        {
            var song = world.Song(songs[sampler.Sample(random)].SongId);
            if (!viewers.TryGetValue(song.Id, out var candidates))
            {
                candidates = [.. world.Users.Where(u => song.IsAvailableIn(u.Region))];
                viewers[song.Id] = candidates = candidates.Count > 0 ? candidates : [.. world.Users];
            }

            var viewer = candidates[random.Next(candidates.Count)];
            if (!platforms.TryGetValue(viewer.Id, out var platform))
            {
                // A viewer has one phone.
                platforms[viewer.Id] = platform = random.NextDouble() < (IosHeavy.Contains(viewer.Region) ? 0.55 : 0.2) ? "ios" : "android";
            }

            var songVideos = videos.GetValueOrDefault(song.Id);
            var video = songVideos is { Count: > 0 } && random.NextDouble() < InVideoRate ? songVideos[random.Next(songVideos.Count)] : null;
            var clicks = random.NextDouble() < ClickRate;
            var claims = clicks && random.NextDouble() < ClaimRate;
            var converts = claims && random.NextDouble() < ConversionRate;
            var trial = converts && random.NextDouble() < TrialRate;
            plan.Add(new PlannedOffer(i, song.Id, viewer, platform, video, clicks, claims, converts, trial));
        }

        return plan;
    }

    /// <summary>A paid month in the viewer's region where the offer names no price: USD 10.99 where the table has none.</summary>
    public static (decimal Amount, string Currency) PriceIn(string region) => Prices.GetValueOrDefault(region, (10.99m, "USD"));

    /// <summary>The conversion id of a planned offer: unique in the plan, the same for the same seed and run.</summary>
    public static string ConversionId(TrafficOptions options, PlannedOffer offer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(offer);
        return string.Create(CultureInfo.InvariantCulture, $"c_funnel_{options.Seed}r{options.Run}_{offer.Index:D5}");
    }

    // The videos the traffic put each song in.
    private static Dictionary<string, List<string>> VideosOf(TrafficGenerator generator, IEnumerable<string> songIds)
    {
        var wanted = new HashSet<string>(songIds, StringComparer.Ordinal);
        var videos = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (e, isDuplicate) in generator.Generate())
        {
            if (!isDuplicate && wanted.Contains(e.SongId) && seen.Add(e.VideoId))
            {
                if (!videos.TryGetValue(e.SongId, out var list))
                {
                    videos[e.SongId] = list = [];
                }

                list.Add(e.VideoId);
            }
        }

        return videos;
    }
}
