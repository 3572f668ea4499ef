using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Offers;

/// <summary>
/// Decides the offer for a viewer and a song. Pure and deterministic: the same context and options
/// always give the same offer, in any process, so an offer can be explained and reproduced later.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>A subscriber is offered <see cref="OfferKind.OpenInApp"/>, whatever the region.</item>
/// <item>A region without a plan in <see cref="OfferOptions.Regions"/> gets <see cref="OfferKind.ListenFree"/>.</item>
/// <item>A viewer who never had a trial, in a region that offers one, gets <see cref="OfferKind.FreeTrial"/>
/// (unless the variant sets its trial days to 0); everyone else <see cref="OfferKind.Subscribe"/>.</item>
/// </list>
/// Experiment assignment hashes the viewer (user id; else video id; else <c>anonymous</c>) with
/// SHA-256, never <see cref="string.GetHashCode()"/>, which differs between processes.
/// <see cref="OfferKind.ListenFree"/> offers are in no experiment (<see cref="TakesPartInExperiments"/>).
/// </remarks>
public sealed class OfferRules
{
    private readonly FrozenDictionary<string, RegionPlan> _plans;
    private readonly Experiment[] _experiments;
    private readonly OfferHeadlines _headlines;

    /// <summary>Validates <paramref name="options"/> and takes a snapshot of them.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid; the failures name the settings.</exception>
    public OfferRules(IOptions<OfferOptions> options)
    {
        var value = options.Value;
        var validation = new OfferOptionsValidator().Validate(Options.DefaultName, value);
        if (validation.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(OfferOptions), validation.Failures);
        }

        _plans = value.Regions.ToFrozenDictionary(
            pair => pair.Key,
            pair => new RegionPlan { Currency = pair.Value.Currency, MonthlyPrice = pair.Value.MonthlyPrice, TrialDays = pair.Value.TrialDays, Plan = pair.Value.Plan },
            StringComparer.Ordinal);
        _experiments = [.. value.Experiments.Select(e => new Experiment(e.Name, [.. e.Variants.Select(v => new Arm(v.Name, v.Weight, v.TrialDays, v.Headline))]))];
        _headlines = new OfferHeadlines
        {
            OpenInApp = value.DefaultHeadlines.OpenInApp,
            FreeTrial = value.DefaultHeadlines.FreeTrial,
            Subscribe = value.DefaultHeadlines.Subscribe,
            ListenFree = value.DefaultHeadlines.ListenFree,
        };
    }

    /// <summary>The offer for <paramref name="context"/>. Never throws for a context with any values.</summary>
    public Offer Decide(OfferContext context)
    {
        _plans.TryGetValue(context.Region ?? "", out var plan);
        var kind = context.IsSubscriber ? OfferKind.OpenInApp
            : plan is null ? OfferKind.ListenFree
            : OfferKind.Subscribe;

        // Only offers that take part are assigned, so that nothing of a variant (name, trial days,
        // headline) reaches the others. Assignment depends on the viewer alone, so a viewer keeps the
        // variant they have wherever they take part.
        var (experiment, variant) = TakesPartInExperiments(kind) ? Assign(context.UserId, context.VideoId) : (null, null);
        var trialDays = 0;
        if (kind == OfferKind.Subscribe && !context.HadTrial && plan!.TrialDays > 0)
        {
            // The region decides whether trials exist; a variant may change their length or withhold them.
            trialDays = variant?.TrialDays ?? plan.TrialDays;
            kind = trialDays > 0 ? OfferKind.FreeTrial : OfferKind.Subscribe;
        }

        var offersPlan = kind is OfferKind.FreeTrial or OfferKind.Subscribe;
        var headline = (variant?.Headline ?? _headlines.Of(kind))
            .Replace("{trialDays}", trialDays.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        return new Offer(
            kind,
            offersPlan ? plan!.Plan : null,
            trialDays,
            offersPlan ? plan!.MonthlyPrice : null,
            offersPlan ? plan!.Currency : null,
            headline,
            experiment,
            variant?.Name);
    }

    /// <summary>
    /// Whether offers of <paramref name="kind"/> carry an experiment and variant. The experiments vary
    /// the plan's trial days and the headline that sells it, and are read by conversions to that plan.
    /// A <see cref="OfferKind.ListenFree"/> offer has no plan, so no variant changes it and no conversion
    /// can follow it: counted in a variant, it would only dilute the variant's rates. Every other kind
    /// takes part: <see cref="OfferKind.FreeTrial"/> and <see cref="OfferKind.Subscribe"/> are what a
    /// variant's trial days decide between, and <see cref="OfferKind.OpenInApp"/> is what a viewer in a
    /// variant's trial is offered, whose click a trial turning paid (the experiment's outcome) is
    /// attributed to; it shows the variant's headline too.
    /// </summary>
    public static bool TakesPartInExperiments(OfferKind kind) => kind != OfferKind.ListenFree;

    /// <summary>
    /// The experiment and variant of a viewer: the same viewer always lands in the same ones while
    /// the experiments are unchanged.
    /// </summary>
    internal (string? Experiment, Arm? Variant) Assign(string? userId, string? videoId)
    {
        if (_experiments.Length == 0)
        {
            return (null, null);
        }

        var subject = !string.IsNullOrEmpty(userId) ? "u:" + userId
            : !string.IsNullOrEmpty(videoId) ? "v:" + videoId
            : "anonymous";
        var experiment = _experiments.Length == 1 ? _experiments[0] : _experiments[Bucket("experiments", subject, _experiments.Length)];
        var point = Bucket(experiment.Name, subject, experiment.TotalWeight);
        foreach (var variant in experiment.Variants)
        {
            if (point < variant.Weight)
            {
                return (experiment.Name, variant);
            }

            point -= variant.Weight;
        }

        return (experiment.Name, experiment.Variants[^1]);
    }

    /// <summary>A uniform bucket in [0, <paramref name="buckets"/>) from SHA-256 of the salt and subject.</summary>
    private static int Bucket(string salt, string subject, long buckets)
    {
        // '\n' never occurs in names or ids, so ("ab", "c") and ("a", "bc") hash differently.
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{salt}\n{subject}"), hash);
        var value = BinaryPrimitives.ReadUInt64BigEndian(hash);
        return (int)(((UInt128)value * (ulong)buckets) >> 64);
    }

    internal sealed record Arm(string Name, int Weight, int? TrialDays, string? Headline);

    private sealed record Experiment(string Name, Arm[] Variants)
    {
        public long TotalWeight { get; } = Variants.Sum(v => (long)v.Weight);
    }
}
