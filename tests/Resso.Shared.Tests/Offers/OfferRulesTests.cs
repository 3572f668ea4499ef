using Resso.Shared.Offers;
using static Resso.Shared.Tests.Offers.OfferTestData;

namespace Resso.Shared.Tests.Offers;

public sealed class OfferRulesTests
{
    private readonly OfferRules _rules = Rules(Options());

    [Fact]
    public void Decide_NeverHadTrialInTrialRegion_IsFreeTrialWithRegionalPlanAndPrice()
    {
        var offer = _rules.Decide(Viewer());

        Assert.Equal(new Offer(OfferKind.FreeTrial, "premium-monthly", 30, 49_900m, "IDR", "Try Resso Premium free for 30 days", null, null), offer);
    }

    [Fact]
    public void Decide_HadTrial_IsSubscribeWithoutTrialDays()
    {
        var offer = _rules.Decide(Viewer() with { HadTrial = true });

        Assert.Equal(new Offer(OfferKind.Subscribe, "premium-monthly", 0, 49_900m, "IDR", "Get Resso Premium: full songs, no ads, offline", null, null), offer);
    }

    [Fact]
    public void Decide_RegionWithoutTrials_IsSubscribe()
    {
        var offer = _rules.Decide(Viewer(region: "US"));

        Assert.Equal(OfferKind.Subscribe, offer.Kind);
        Assert.Equal((10.99m, "USD", "premium-us", 0), (offer.Price, offer.Currency, offer.Plan, offer.TrialDays));
    }

    [Theory]
    [InlineData("VN")]  // assigned, but no plan configured
    [InlineData("XX")]  // not a region at all
    [InlineData("id")]  // not upper case
    [InlineData("")]
    public void Decide_RegionWithoutPlan_IsListenFreeWithoutPrice(string region)
    {
        var offer = _rules.Decide(Viewer(region: region));

        Assert.Equal(new Offer(OfferKind.ListenFree, null, 0, null, null, "Listen to the full song free on Resso", null, null), offer);
    }

    [Theory]
    [InlineData("ID", false)]
    [InlineData("ID", true)]
    [InlineData("US", false)]
    [InlineData("VN", false)]
    public void Decide_Subscriber_IsOpenInAppWhateverTheRegionAndTrialHistory(string region, bool hadTrial)
    {
        var offer = _rules.Decide(Viewer(region: region) with { IsSubscriber = true, HadTrial = hadTrial });

        Assert.Equal(new Offer(OfferKind.OpenInApp, null, 0, null, null, "Play the full song in Resso", null, null), offer);
    }

    [Fact]
    public void Decide_HadTrial_IsNeverFreeTrialInAnyVariant()
    {
        var rules = Rules(Options(Experiment("trial-length", Variant("short", trialDays: 7), Variant("long", trialDays: 90))));

        for (var i = 0; i < 500; i++)
        {
            var offer = rules.Decide(Viewer($"u_{i}") with { HadTrial = true });
            Assert.Equal(OfferKind.Subscribe, offer.Kind);
            Assert.Equal(0, offer.TrialDays);
        }
    }

    [Fact]
    public void Decide_VariantTrialDays_ReplaceTheRegionsForFreeTrialsOnly()
    {
        var rules = Rules(Options(Experiment("trial-length", Variant("long", trialDays: 90))));

        var trial = rules.Decide(Viewer());
        var noTrialRegion = rules.Decide(Viewer(region: "US"));
        var subscriber = rules.Decide(Viewer() with { IsSubscriber = true });

        Assert.Equal((OfferKind.FreeTrial, 90, "Try Resso Premium free for 90 days", "trial-length", "long"), (trial.Kind, trial.TrialDays, trial.Headline, trial.Experiment, trial.Variant));
        Assert.Equal((OfferKind.Subscribe, 0, "long"), (noTrialRegion.Kind, noTrialRegion.TrialDays, noTrialRegion.Variant));
        Assert.Equal((OfferKind.OpenInApp, 0, "long"), (subscriber.Kind, subscriber.TrialDays, subscriber.Variant));
    }

    [Fact]
    public void Decide_VariantWithZeroTrialDays_WithholdsTheTrial()
    {
        var rules = Rules(Options(Experiment("no-trial", Variant("none", trialDays: 0))));

        var offer = rules.Decide(Viewer());

        Assert.Equal((OfferKind.Subscribe, 0, "none"), (offer.Kind, offer.TrialDays, offer.Variant));
    }

    [Theory]
    [InlineData("ID", false, false)]
    [InlineData("ID", true, false)]
    [InlineData("ID", false, true)]
    [InlineData("VN", false, true)]
    public void Decide_VariantHeadline_AppliesToEveryKindInTheExperiment(string region, bool hadTrial, bool isSubscriber)
    {
        var rules = Rules(Options(Experiment("copy", Variant("bold", headline: "The whole song is waiting ({trialDays})"))));

        var offer = rules.Decide(Viewer(region: region) with { HadTrial = hadTrial, IsSubscriber = isSubscriber });

        Assert.Equal($"The whole song is waiting ({offer.TrialDays})", offer.Headline);
    }

    [Fact]
    public void Decide_ListenFree_IsInNoExperimentWhateverTheVariants()
    {
        var rules = Rules(Options(
            Experiment("trial-length", Variant("short", trialDays: 7), Variant("long", trialDays: 90)),
            Experiment("copy", Variant("bold", headline: "The whole song is waiting"))));

        for (var i = 0; i < 200; i++)
        {
            // Anonymous viewers too: they are assigned by video, or all alike.
            var viewer = Viewer(i % 3 == 0 ? null : $"u_{i}", region: "VN") with { VideoId = i % 2 == 0 ? $"v_{i}" : null };

            Assert.Equal(new Offer(OfferKind.ListenFree, null, 0, null, null, "Listen to the full song free on Resso", null, null), rules.Decide(viewer));
            Assert.NotNull(rules.Decide(viewer with { Region = "ID" }).Variant);
        }
    }

    [Fact]
    public void Decide_ListenFreeLeavingTheExperiments_KeepsEveryPaidRegionViewersVariant()
    {
        // The variants the same viewers got while every kind was assigned (the pinned string below):
        // taking listen_free out must not move anyone in a paid region, nor a subscriber anywhere.
        var rules = Rules(Options(Experiment("trial-length", Variant("a"), Variant("b"), Variant("c"), Variant("d"))));

        foreach (var (region, isSubscriber) in new[] { ("ID", false), ("US", false), ("ID", true), ("VN", true) })
        {
            var variants = string.Concat(Enumerable.Range(0, 16).Select(i => rules.Decide(Viewer($"u_{i}", region: region) with { IsSubscriber = isSubscriber }).Variant));
            Assert.Equal(PinnedVariants, variants);
        }

        Assert.Equal([true, true, true, false], new[] { OfferKind.FreeTrial, OfferKind.Subscribe, OfferKind.OpenInApp, OfferKind.ListenFree }.Select(OfferRules.TakesPartInExperiments));
    }

    [Fact]
    public void Decide_DefaultHeadlinesFromOptions_AreUsed()
    {
        var options = Options();
        options.DefaultHeadlines.FreeTrial = "{trialDays} days on us";

        Assert.Equal("30 days on us", Rules(options).Decide(Viewer()).Headline);
    }

    [Fact]
    public void Decide_SameViewer_GetsTheSameVariantFromEveryInstance()
    {
        var options = Options(Experiment("trial-length", Variant("a"), Variant("b"), Variant("c")));
        var first = Rules(options);
        var second = Rules(Options(Experiment("trial-length", Variant("a"), Variant("b"), Variant("c"))));

        for (var i = 0; i < 1_000; i++)
        {
            var viewer = Viewer($"u_{i}");
            Assert.Equal(first.Decide(viewer).Variant, second.Decide(viewer).Variant);
            Assert.Equal(first.Decide(viewer).Variant, first.Decide(viewer with { VideoId = "v_other", Region = "US" }).Variant);
        }
    }

    [Fact]
    public void Decide_Variant_IsPinnedAcrossVersions()
    {
        // SHA-256 of "{experiment}\n{subject}" mapped onto the weights. A change here reshuffles
        // every running experiment: it must be a decision, not an accident.
        var rules = Rules(Options(Experiment("trial-length", Variant("a"), Variant("b"), Variant("c"), Variant("d"))));

        var variants = string.Concat(Enumerable.Range(0, 16).Select(i => rules.Decide(Viewer($"u_{i}")).Variant));

        Assert.Equal(PinnedVariants, variants);
    }

    [Fact]
    public void Decide_AnonymousViewer_IsAssignedByVideoThenAsAnonymous()
    {
        var rules = Rules(Options(Experiment("copy", Variant("a"), Variant("b"), Variant("c"), Variant("d"), Variant("e"), Variant("f"))));

        var byVideo = Enumerable.Range(0, 200).Select(i => rules.Decide(Viewer(userId: null) with { VideoId = $"v_{i}" }).Variant).ToList();
        var fullyAnonymous = rules.Decide(Viewer(userId: null) with { VideoId = null });

        Assert.Equal(byVideo, Enumerable.Range(0, 200).Select(i => rules.Decide(Viewer(userId: "") with { VideoId = $"v_{i}" }).Variant));
        Assert.Equal(6, byVideo.Distinct().Count());
        Assert.NotNull(fullyAnonymous.Variant);
        Assert.Equal(fullyAnonymous.Variant, rules.Decide(new OfferContext("s_other", "US", null, false, false, null)).Variant);
    }

    [Fact]
    public void Decide_TenThousandUsers_SplitByTheWeightsWithinTwoPoints()
    {
        var rules = Rules(Options(Experiment("trial-length", Variant("control", weight: 70), Variant("short", weight: 20), Variant("long", weight: 10))));

        var counts = Enumerable.Range(0, 10_000)
            .Select(i => rules.Decide(Viewer($"u_{i}")).Variant!)
            .CountBy(variant => variant)
            .ToDictionary();

        Assert.InRange(counts["control"] / 10_000.0, 0.68, 0.72);
        Assert.InRange(counts["short"] / 10_000.0, 0.18, 0.22);
        Assert.InRange(counts["long"] / 10_000.0, 0.08, 0.12);
    }

    [Fact]
    public void Decide_TwoExperiments_EachViewerIsInOneAndEachHasAboutHalf()
    {
        var rules = Rules(Options(
            Experiment("trial-length", Variant("short", trialDays: 7), Variant("long", trialDays: 60)),
            Experiment("copy", Variant("plain"), Variant("bold", headline: "Bold"))));

        var experiments = Enumerable.Range(0, 10_000).Select(i => rules.Decide(Viewer($"u_{i}")).Experiment!).CountBy(e => e).ToDictionary();

        Assert.Equal(["copy", "trial-length"], experiments.Keys.Order(StringComparer.Ordinal));
        Assert.InRange(experiments["copy"] / 10_000.0, 0.48, 0.52);
    }

    [Fact]
    public void Decide_SmallVariantAddedAtTheEnd_MovesFewViewersOutOfTheFirst()
    {
        var before = Rules(Options(Experiment("x", Variant("a", weight: 50), Variant("b", weight: 50))));
        var after = Rules(Options(Experiment("x", Variant("a", weight: 50), Variant("b", weight: 50), Variant("c", weight: 1))));

        var moved = Enumerable.Range(0, 2_000).Count(i => before.Decide(Viewer($"u_{i}")).Variant == "a" && after.Decide(Viewer($"u_{i}")).Variant != "a");

        // Bucketing is proportional: adding a small arm at the end moves only ~1 % out of "a".
        Assert.InRange(moved, 0, 40);
    }

    [Fact]
    public void Constructor_InvalidOptions_ThrowsNamingTheSetting()
    {
        var options = Options();
        options.Regions["ID"].Currency = "rp";

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Rules(options));

        Assert.Contains("Resso__Offers__Regions__ID__Currency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decide_AfterOptionsChange_KeepsTheSnapshot()
    {
        var options = Options();
        var rules = Rules(options);

        options.Regions["ID"].MonthlyPrice = 1m;
        options.DefaultHeadlines.FreeTrial = "changed";

        var offer = rules.Decide(Viewer());
        Assert.Equal((49_900m, "Try Resso Premium free for 30 days"), (offer.Price, offer.Headline));
    }

    private const string PinnedVariants = "cbbabddbdabccabd"; // checked against Python hashlib with the same formula
}
