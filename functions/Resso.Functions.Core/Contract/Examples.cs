using Resso.Functions.Core.Catalog;
using Resso.Functions.Core.Claims;
using Resso.Functions.Core.Conversions;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Links;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Model;
using Resso.Functions.Core.Offers;
using Resso.Functions.Core.Privacy;
using Resso.Functions.Core.Telemetry;
using Resso.Shared.Attribution;
using Resso.Shared.Catalog;
using Resso.Shared.Events;
using Resso.Ml.Store;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Contract;

/// <summary>The examples of the OpenAPI document: one funnel, told consistently (song s_987 in Indonesia, video v_555).</summary>
internal static class Examples
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);

    private static readonly AttributionKeys Keys = new("s_987", "Aurora Records", "ID", "v_555", "u_123", "android", "trial-length", "t30");

    public static SongUsedEvent Event { get; } = new("e_1", "u_123", "s_987", "v_555", SongAction.Create, "ID", At, new Segment(30_500, 45_500));

    public static SongUpsert SongUpsert { get; } = new("Midnight Drive", "Nova", "Aurora Records", 215_000, ["ID", "MY"]);

    public static SongDetails Song { get; } = new("Midnight Drive", "Nova", "Aurora Records", 215_000, ["ID", "MY"]);

    public static SongResponse SongWithUsage { get; } = new("s_987", false, Song, new Segment(30_500, 45_500),
        new SongUsage("7d", 1_840, 312, [new RegionUsage("ID", 1_520, 270), new RegionUsage("MY", 320, 42)]));

    public static CatalogRollupResult Rollup { get; } = new(61_000, 48_200, 52_700, 8_412);

    private static readonly ModelManifest Manifest = new(
        "20261124T070000Z", At.AddHours(-1), new DataWindow(182_000, 9_400, 2_000, 61_000, At.AddDays(-30), At.AddHours(-1)),
        new Dictionary<string, string> { ["latentDimension"] = "128", ["epochs"] = "20" }, true, 312.4,
        new ModelMetrics(10, 2_000, 0.214, 0.181, 0.232, 0.071, 0.083),
        new PublishDecision(true, 0.214, "20261123T070000Z", 0.209, 0.01, "NDCG@10 0.214 against 0.209: published.", new NdcgDifference(0.005, -0.002, 0.012, 2_000, 0.95)),
        "9f2c…", "timer");

    public static ModelStatus Model { get; } = new("20261124T070000Z", At.AddMinutes(-55), 3_600, Manifest, "20261124T070000Z", At.AddMinutes(-54),
        ModelDecision.From(Manifest, Manifest), "healthy", null, ModelLinks.Default);

    private static readonly ModelManifest Refused = Manifest with
    {
        Version = "20261124T060000Z",
        CreatedAt = At.AddHours(-2),
        Trigger = "new events",
        Metrics = new ModelMetrics(10, 2_000, 0.196, 0.170, 0.218, 0.069, 0.083),
        Decision = new PublishDecision(false, 0.196, "20261123T070000Z", 0.209, 0.01, "NDCG@10 0.196 against 0.209, lower by more than 0.01: refused.", new NdcgDifference(-0.013, -0.020, -0.006, 2_000, 0.95)),
    };

    public static ModelVersions ModelVersions { get; } = new(
        "20261124T070000Z",
        [ModelVersion.From(Manifest, "20261124T070000Z"), ModelVersion.From(Refused, "20261124T070000Z")],
        "20261124T060000Z",
        0);

    public static IngestionReport Ingestion { get; } = new(
        "a1b2c3d4e5f6", At.AddHours(-6),
        [new IngestionMinute(At.AddMinutes(-2), 1_180, 1_172, 6, 2), new IngestionMinute(At.AddMinutes(-1), 1_240, 1_236, 3, 1), new IngestionMinute(At, 410, 402, 0, 0)],
        new IngestionCounts(2_830, 2_810, 9, 3));

    public static HealthReport Health { get; } = new(
        "healthy", "1.0.0", new StorageHealth(new ServiceHealth(true, 3.1), new ServiceHealth(true, 2.4), new ServiceHealth(true, 2.8)), true,
        new ModelHealth("healthy", "20261124T070000Z", "20261124T070000Z", null),
        new QueuesHealth(new QueueHealth("song-used", 12, 0.8, 0, 0.4, CheckedAt: At.AddSeconds(-2)), new QueueHealth("model-retrain", 0, null, 0, null, CheckedAt: At.AddSeconds(-2))));

    public static OfferResponse Offer { get; } = new(
        "o_01JDQ3Z7K2", "s_987", "Midnight Drive", "Nova", 30_500,
        new OfferTerms("free_trial", "premium", 30, 54_990m, "IDR", "Hear the whole song: 30 days free", "trial-length", "t30"),
        new OfferLinks(
            "resso://track/s_987?t=30500&c=o_01JDQ3Z7K2",
            "https://links.resso.example/api/l/eyJzIjoic185ODcifQ.c2lnbmF0dXJl",
            "https://play.google.com/store/apps/details?id=com.moonvideo.android.resso"),
        At.AddDays(7));

    public static ClaimedLink Claimed { get; } = new("s_987", 30_500, "k_01JDQ41B6M", "o_01JDQ3Z7K2", "free_trial", "trial-length", "t30");

    public static ConversionRequest ConversionRequest { get; } = new("c_778", "u_123", "premium", 0m, "IDR", At.AddHours(1), Trial: true, ClaimCode: "7KQ2M9XHPA");

    public static ConversionResult Conversion { get; } = new("c_778", false, true, new ConversionAttribution("claim", "k_01JDQ41B6M", "o_01JDQ3Z7K2", Keys));

    public static AttributionReport Report { get; } = new(
        At.AddDays(-7), At, ReportGrouping.Song,
        [new AttributionRow("s_987", 120, 5_400, 640, 85, 21, 18, 0.1185, 0.0328, new RateInterval(0.0216, 0.0496), new Dictionary<string, decimal> { ["IDR"] = 164_970m }, 702, "Midnight Drive", "Nova")],
        new AttributionRow("total", 120, 5_400, 640, 85, 21, 18, 0.1185, 0.0328, new RateInterval(0.0216, 0.0496), new Dictionary<string, decimal> { ["IDR"] = 164_970m }, 702),
        2, new Dictionary<string, decimal> { ["IDR"] = 109_980m });

    public static AttributionSeriesReport Series { get; } = new(
        At.AddDays(-2), At, SeriesInterval.Day, ReportGrouping.Song,
        [new AttributionSeries("s_987", [SeriesPoint(At.AddDays(-2), 2_600, 300, 330, 40, 9, 8, 54_990m), SeriesPoint(At.AddDays(-1), 2_800, 340, 372, 45, 12, 10, 109_980m)], "Midnight Drive", "Nova")],
        new AttributionSeries("total", [SeriesPoint(At.AddDays(-2), 2_600, 300, 330, 40, 9, 8, 54_990m), SeriesPoint(At.AddDays(-1), 2_800, 340, 372, 45, 12, 10, 109_980m)]));

    private static SeriesPoint SeriesPoint(DateTimeOffset at, long offers, long clicks, long follows, long claims, long conversions, long trials, decimal idr) =>
        new(at, offers, clicks, follows, claims, conversions, trials, new Dictionary<string, decimal> { ["IDR"] = idr });

    private static readonly SongItem[] Items =
    [
        new("s_412", "Paper Planes", "Lumen", 0.91, new SongReason(ReasonKinds.ForYou, "Picked for you")),
        new("s_205", "Lights Out", "Nova", 0.87, new SongReason(ReasonKinds.SimilarTo, "Similar to Midnight Drive by Nova", "s_987", "Midnight Drive", "Nova")),
    ];

    public static RecommendationsResponse Recommendations { get; } = new("u_123", "20261124T070000Z", true, "ID", RegionSources.Events, Items);

    public static MixesResponse Mixes { get; } = new("u_123", "20261124T070000Z", "ID", RegionSources.Events,
        [new MixView("for_you", "for_you", "For you", "Songs picked for you from the videos you watch: Lumen, Nova and more.", Items)]);

    public static SimilarResponse Similar { get; } = new("s_987", "model", "20261124T070000Z",
        [new SongItem("s_205", "Lights Out", "Nova", 0.83, new SongReason(ReasonKinds.SimilarTo, "Similar to Midnight Drive by Nova", "s_987", "Midnight Drive", "Nova"))]);

    public static AppleAppSiteAssociation AppleAssociation { get; } =
        new(new AppleAppLinks([new AppleAppLinkDetail(["ABCDE12345.com.resso.app"], [new AppleComponent(AppAssociation.LinkPathPattern, "Subscribe offers for the song heard in a video")])]));

    public static AssetLinkStatement[] AssetLinks { get; } =
        [new([AssetLinkStatement.HandleAllUrls], new AssetLinkTarget("android_app", "com.resso.app", ["14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5"]))];

    public static ErasureReport Erasure { get; } = new(At, At.AddDays(7),
        new Dictionary<string, int> { ["interactions"] = 42, ["event-log"] = 42, ["userfactors"] = 1 },
        new Dictionary<string, int> { ["clicks"] = 3, ["conversions"] = 1 },
        ["20261124T070000Z"], true);

    public static HistoryResponse History { get; } = new("u_123", 42, [new HistoryItem("e_1", "s_987", "Midnight Drive", "Nova", "v_555", "create", "ID", At)], new HistoryCursor(At, "e_1").ToString());

    public static TrendingResponse Trending { get; } = new("ID", "24h", [new SongItem("s_987", "Midnight Drive", "Nova", 1, new SongReason(ReasonKinds.TrendingIn, "Trending in Indonesia", Region: "ID"))]);
}
