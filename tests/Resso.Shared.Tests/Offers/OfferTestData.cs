using Resso.Shared.Offers;

namespace Resso.Shared.Tests.Offers;

/// <summary>Builders for offer tests.</summary>
internal static class OfferTestData
{
    /// <summary>Indonesia with a 30-day trial, the US without trials; nowhere else has a plan.</summary>
    public static OfferOptions Options(params OfferExperiment[] experiments)
    {
        var options = new OfferOptions
        {
            Regions =
            {
                ["ID"] = new RegionPlan { Currency = "IDR", MonthlyPrice = 49_900m, TrialDays = 30, Plan = "premium-monthly" },
                ["US"] = new RegionPlan { Currency = "USD", MonthlyPrice = 10.99m, TrialDays = 0, Plan = "premium-us" },
            },
        };
        options.Experiments.AddRange(experiments);
        return options;
    }

    public static OfferExperiment Experiment(string name, params OfferVariant[] variants)
    {
        var experiment = new OfferExperiment { Name = name };
        experiment.Variants.AddRange(variants);
        return experiment;
    }

    public static OfferVariant Variant(string name, int weight = 1, int? trialDays = null, string? headline = null) =>
        new() { Name = name, Weight = weight, TrialDays = trialDays, Headline = headline };

    public static OfferRules Rules(OfferOptions options) => new(Microsoft.Extensions.Options.Options.Create(options));

    /// <summary>A signed-in viewer in Indonesia who never subscribed.</summary>
    public static OfferContext Viewer(string? userId = "u_1", string region = "ID") =>
        new("s_987", region, userId, IsSubscriber: false, HadTrial: false, VideoId: "v_555");
}
