using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Resso.Shared.Offers;
using static Resso.Shared.Tests.Offers.OfferTestData;

namespace Resso.Shared.Tests.Offers;

public sealed class OfferOptionsTests
{
    private static ValidateOptionsResult Validate(OfferOptions options) => new OfferOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);

    [Fact]
    public void Validate_TypicalOptions_Succeeds()
    {
        var options = Options(Experiment("trial-length", Variant("short", 1, 7), Variant("long", 3, 60, "Two months free")));

        var result = Validate(options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_Defaults_SucceedAndHaveEnglishHeadlines()
    {
        var options = new OfferOptions();

        Assert.True(Validate(options).Succeeded);
        Assert.Equal("Resso:Offers", OfferOptions.SectionName);
        Assert.All(Enum.GetValues<OfferKind>(), kind => Assert.False(string.IsNullOrWhiteSpace(options.DefaultHeadlines.Of(kind))));
    }

    public static TheoryData<string, Action<OfferOptions>, string> Broken => new()
    {
        { "unassigned region", o => o.Regions["XX"] = Plan(), "Resso__Offers__Regions__XX" },
        { "lower-case region", o => o.Regions["id"] = Plan(), "Resso__Offers__Regions__id" },
        { "lower-case currency", o => o.Regions["ID"].Currency = "idr", "Resso__Offers__Regions__ID__Currency" },
        { "four-letter currency", o => o.Regions["ID"].Currency = "IDRR", "Resso__Offers__Regions__ID__Currency" },
        { "zero price", o => o.Regions["US"].MonthlyPrice = 0m, "Resso__Offers__Regions__US__MonthlyPrice" },
        { "negative price", o => o.Regions["US"].MonthlyPrice = -1m, "Resso__Offers__Regions__US__MonthlyPrice" },
        { "negative trial", o => o.Regions["ID"].TrialDays = -1, "Resso__Offers__Regions__ID__TrialDays" },
        { "plan with a space", o => o.Regions["ID"].Plan = "premium monthly", "Resso__Offers__Regions__ID__Plan" },
        { "empty plan", o => o.Regions["ID"].Plan = "", "Resso__Offers__Regions__ID__Plan" },
        { "experiment without name", o => o.Experiments.Add(Experiment("", Variant("a"))), "Name" },
        { "experiment name too long", o => o.Experiments.Add(Experiment(new string('e', 33), Variant("a"))), "Name" },
        { "experiment without variants", o => o.Experiments.Add(Experiment("x")), "Variants" },
        { "duplicate experiment", o => o.Experiments.AddRange([Experiment("x", Variant("a")), Experiment("X", Variant("a"))]), "Resso__Offers__Experiments__1__Name" },
        { "duplicate variant", o => o.Experiments.Add(Experiment("x", Variant("a"), Variant("b"), Variant("A"))), "Resso__Offers__Experiments__0__Variants__2__Name" },
        { "zero weight", o => o.Experiments.Add(Experiment("x", Variant("a", weight: 0))), "Weight" },
        { "negative weight", o => o.Experiments.Add(Experiment("x", Variant("a", weight: -5))), "Weight" },
        { "negative trial override", o => o.Experiments.Add(Experiment("x", Variant("a", trialDays: -1))), "TrialDays" },
        { "variant name with a slash", o => o.Experiments.Add(Experiment("x", Variant("a/b"))), "Name" },
        { "variant name a dot segment", o => o.Experiments.Add(Experiment("x", Variant(".."))), "Resso__Offers__Experiments__0__Variants__0__Name" },
        { "experiment name ending in a newline", o => o.Experiments.Add(Experiment("x\n", Variant("a"))), "Resso__Offers__Experiments__0__Name" },
        { "plan ending in a newline", o => o.Regions["ID"].Plan = "premium-monthly\n", "Resso__Offers__Regions__ID__Plan" },
        { "empty variant headline", o => o.Experiments.Add(Experiment("x", Variant("a", headline: ""))), "Headline" },
        { "empty default headline", o => o.DefaultHeadlines.Subscribe = "", "Subscribe" },
    };

    [Theory]
    [MemberData(nameof(Broken))]
    public void Validate_BrokenOptions_FailNamingTheField(string because, Action<OfferOptions> breakIt, string field)
    {
        var options = Options();
        breakIt(options);

        var result = Validate(options);

        Assert.True(result.Failed, because);
        Assert.Contains(field, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NestedFailures_SayWhichExperimentAndVariant()
    {
        var options = Options(Experiment("ok", Variant("a")), Experiment("x", Variant("a"), Variant("b", weight: 0)));

        var result = Validate(options);

        Assert.Contains("Experiments[1].Variants[1].Weight", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_FromEnvironmentStyleKeys_ReadsRegionsAndExperiments()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Resso:Offers:Regions:ID:Currency"] = "IDR",
            ["Resso:Offers:Regions:ID:MonthlyPrice"] = "49900",
            ["Resso:Offers:Regions:ID:TrialDays"] = "30",
            ["Resso:Offers:Experiments:0:Name"] = "trial-length",
            ["Resso:Offers:Experiments:0:Variants:0:Name"] = "short",
            ["Resso:Offers:Experiments:0:Variants:0:TrialDays"] = "7",
            ["Resso:Offers:Experiments:0:Variants:1:Name"] = "long",
            ["Resso:Offers:Experiments:0:Variants:1:Weight"] = "3",
        }).Build();

        var options = configuration.GetSection(OfferOptions.SectionName).Get<OfferOptions>()!;

        Assert.True(Validate(options).Succeeded, Validate(options).FailureMessage);
        Assert.Equal(("IDR", 49_900m, 30, "premium-monthly"), (options.Regions["ID"].Currency, options.Regions["ID"].MonthlyPrice, options.Regions["ID"].TrialDays, options.Regions["ID"].Plan));
        Assert.Equal([("short", 1, (int?)7), ("long", 3, null)], options.Experiments[0].Variants.Select(v => (v.Name, v.Weight, v.TrialDays)));
    }

    [Fact]
    public void Offer_Serialized_HasTheWireNameOfItsKind()
    {
        var offer = new Offer(OfferKind.FreeTrial, "premium-monthly", 30, 49_900m, "IDR", "Try", "trial-length", "long");

        var json = JsonSerializer.Serialize(offer, JsonSerializerOptions.Web);

        Assert.Contains("\"kind\":\"free_trial\"", json, StringComparison.Ordinal);
        Assert.Equal(["open_in_app", "free_trial", "subscribe", "listen_free"], Enum.GetValues<OfferKind>().Select(k => JsonSerializer.Serialize(k).Trim('"')));
        Assert.Equal(offer, JsonSerializer.Deserialize<Offer>(json, JsonSerializerOptions.Web));
    }

    private static RegionPlan Plan() => new() { Currency = "EUR", MonthlyPrice = 9.99m, Plan = "premium-monthly" };
}
