using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Resso.Shared.Links;
using IsoRegions = Resso.Shared.Events.Regions;

namespace Resso.Shared.Offers;

/// <summary>Plans, prices, experiments and wording of offers (<c>Resso__Offers__…</c>).</summary>
public sealed class OfferOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Offers";

    /// <summary>
    /// ISO 3166-1 alpha-2 region code (upper case) → its paid plan, e.g.
    /// <c>Resso__Offers__Regions__ID__Currency=IDR</c>. A region that is not listed has no paid plan,
    /// and its viewers are offered <see cref="OfferKind.ListenFree"/>.
    /// </summary>
    /// <value>Empty: every viewer who is not a subscriber listens free.</value>
    public Dictionary<string, RegionPlan> Regions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Offer experiments. Each viewer is in exactly one of them (chosen by a stable hash, equal
    /// shares), and in one of its variants by the variants' weights. <see cref="OfferKind.ListenFree"/>
    /// offers (regions without a plan) are in none: no variant changes them. Adding or removing an
    /// experiment moves viewers between experiments; changing one's variants moves viewers only
    /// within it.
    /// </summary>
    /// <value>Empty: no experiments.</value>
    [ValidateEnumeratedItems]
    public List<OfferExperiment> Experiments { get; set; } = [];

    /// <summary>The headline of each kind, unless a variant has its own.</summary>
    [ValidateObjectMembers]
    public OfferHeadlines DefaultHeadlines { get; set; } = new();

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (code, plan) in Regions)
        {
            var prefix = $"Resso__Offers__Regions__{code}";
            if (!IsoRegions.IsValid(code))
            {
                yield return Error($"{prefix}: '{code}' is not an ISO 3166-1 alpha-2 region code in upper case, such as ID or US.", nameof(Regions));
            }

            if (plan is null)
            {
                yield return Error($"{prefix} has no plan.", nameof(Regions));
                continue;
            }

            if (plan.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
            {
                yield return Error($"{prefix}__Currency must be an ISO 4217 code of three upper-case letters, such as IDR or USD; got '{plan.Currency}'.", nameof(Regions));
            }

            if (plan.MonthlyPrice <= 0)
            {
                yield return Error($"{prefix}__MonthlyPrice must be greater than 0; got {plan.MonthlyPrice}.", nameof(Regions));
            }

            if (plan.TrialDays is < 0 or > RegionPlan.MaxTrialDays)
            {
                yield return Error($"{prefix}__TrialDays must be 0 (no trial) to {RegionPlan.MaxTrialDays}; got {plan.TrialDays}.", nameof(Regions));
            }

            if (!Ids.IsValid(plan.Plan))
            {
                yield return Error($"{prefix}__Plan {Ids.Rule}, such as premium-monthly; got '{plan.Plan}'.", nameof(Regions));
            }
        }

        var experimentNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < Experiments.Count; i++)
        {
            if (Experiments[i] is not { } experiment)
            {
                continue;
            }

            var prefix = $"Resso__Offers__Experiments__{i}";
            // Names travel in link tokens, which hold only ids: one that is not would fail every offer.
            if (experiment.Name is { Length: > 0 } invalid && !Ids.IsValid(invalid, LinkClaims.MaxNameLength))
            {
                yield return Error($"{prefix}__Name {Ids.RuleFor(LinkClaims.MaxNameLength)}; got '{invalid}'.", nameof(Experiments));
            }
            else if (experiment.Name is { } name && !experimentNames.Add(name))
            {
                yield return Error($"{prefix}__Name: another experiment is already named '{name}' (names are compared ignoring case).", nameof(Experiments));
            }

            var variantNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            for (var j = 0; j < experiment.Variants.Count; j++)
            {
                if (experiment.Variants[j]?.Name is { Length: > 0 } invalidVariant && !Ids.IsValid(invalidVariant, LinkClaims.MaxNameLength))
                {
                    yield return Error($"{prefix}__Variants__{j}__Name {Ids.RuleFor(LinkClaims.MaxNameLength)}; got '{invalidVariant}'.", nameof(Experiments));
                }
                else if (experiment.Variants[j]?.Name is { } variantName && !variantNames.Add(variantName))
                {
                    yield return Error($"{prefix}__Variants__{j}__Name: another variant of '{experiment.Name}' is already named '{variantName}' (names are compared ignoring case).", nameof(Experiments));
                }
            }
        }
    }

    private static ValidationResult Error(string message, string member) => new(message, [member]);
}

/// <summary>The paid plan of a region.</summary>
public sealed class RegionPlan
{
    /// <summary>The longest trial a region may offer.</summary>
    public const int MaxTrialDays = 365;

    /// <summary>ISO 4217 code of the price, three upper-case letters such as <c>IDR</c>.</summary>
    /// <value>None: required.</value>
    public string Currency { get; set; } = "";

    /// <summary>The monthly price, in <see cref="Currency"/>; greater than 0.</summary>
    /// <value>None: required.</value>
    public decimal MonthlyPrice { get; set; }

    /// <summary>Free days offered to viewers who never had a trial; 0 offers no trial.</summary>
    /// <value>0.</value>
    public int TrialDays { get; set; }

    /// <summary>The plan's id in billing, such as <c>premium-monthly</c>.</summary>
    /// <value><c>premium-monthly</c>.</value>
    public string Plan { get; set; } = "premium-monthly";
}

/// <summary>An offer experiment: a name, and variants that share its viewers by weight.</summary>
public sealed class OfferExperiment
{
    /// <summary>
    /// The experiment's name, carried in offers, link tokens and reports: an id (<see cref="Ids"/>)
    /// of at most 32 characters, unique ignoring case (both checked by <see cref="OfferOptions.Validate"/>).
    /// It seeds variant assignment: renaming an experiment reshuffles its viewers.
    /// </summary>
    /// <value>None: required.</value>
    [Required(ErrorMessage = "{0} is required: an id of at most 32 characters (A–Z, a–z, 0–9, '_', '.', ':' or '-').")]
    public string Name { get; set; } = "";

    /// <summary>The variants, at least one.</summary>
    /// <value>Empty: at least one is required.</value>
    [MinLength(1, ErrorMessage = "{0} must hold at least one variant.")]
    [ValidateEnumeratedItems]
    public List<OfferVariant> Variants { get; set; } = [];
}

/// <summary>One arm of an <see cref="OfferExperiment"/>.</summary>
public sealed class OfferVariant
{
    /// <summary>The variant's name, carried in offers, link tokens and reports: an id (<see cref="Ids"/>) of at most 32 characters, unique within its experiment ignoring case.</summary>
    /// <value>None: required.</value>
    [Required(ErrorMessage = "{0} is required: an id of at most 32 characters (A–Z, a–z, 0–9, '_', '.', ':' or '-').")]
    public string Name { get; set; } = "";

    /// <summary>The variant's share of the experiment's viewers, relative to the other variants' weights.</summary>
    /// <value>1.</value>
    [Range(1, 1_000_000, ErrorMessage = "{0} must be between 1 and 1000000.")]
    public int Weight { get; set; } = 1;

    /// <summary>
    /// Trial days instead of the region's, for viewers offered a free trial. Only regions that offer
    /// a trial are affected; 0 withholds it (the viewer is offered <see cref="OfferKind.Subscribe"/>).
    /// </summary>
    /// <value>Null: the region's trial.</value>
    [Range(0, RegionPlan.MaxTrialDays, ErrorMessage = "{0} must be between 0 and 365.")]
    public int? TrialDays { get; set; }

    /// <summary>
    /// The headline instead of the default, for every kind of offer in the experiment (all but
    /// <see cref="OfferKind.ListenFree"/>, which is in none); <c>{trialDays}</c> is replaced by the trial days.
    /// </summary>
    /// <value>Null: <see cref="OfferOptions.DefaultHeadlines"/>.</value>
    [StringLength(OfferHeadlines.MaxLength, MinimumLength = 1, ErrorMessage = "{0} must be 1–120 characters.")]
    public string? Headline { get; set; }
}

/// <summary>
/// The default headline of each kind of offer, in English; <c>{trialDays}</c> is replaced by the
/// offer's trial days.
/// </summary>
public sealed class OfferHeadlines
{
    /// <summary>The longest headline.</summary>
    public const int MaxLength = 120;

    /// <value><c>Play the full song in Resso</c>.</value>
    [Required(ErrorMessage = "{0} is required.")]
    [StringLength(MaxLength, ErrorMessage = "{0} must be at most 120 characters.")]
    public string OpenInApp { get; set; } = "Play the full song in Resso";

    /// <value><c>Try Resso Premium free for {trialDays} days</c>.</value>
    [Required(ErrorMessage = "{0} is required.")]
    [StringLength(MaxLength, ErrorMessage = "{0} must be at most 120 characters.")]
    public string FreeTrial { get; set; } = "Try Resso Premium free for {trialDays} days";

    /// <value><c>Get Resso Premium: full songs, no ads, offline</c>.</value>
    [Required(ErrorMessage = "{0} is required.")]
    [StringLength(MaxLength, ErrorMessage = "{0} must be at most 120 characters.")]
    public string Subscribe { get; set; } = "Get Resso Premium: full songs, no ads, offline";

    /// <value><c>Listen to the full song free on Resso</c>.</value>
    [Required(ErrorMessage = "{0} is required.")]
    [StringLength(MaxLength, ErrorMessage = "{0} must be at most 120 characters.")]
    public string ListenFree { get; set; } = "Listen to the full song free on Resso";

    /// <summary>The headline of <paramref name="kind"/>.</summary>
    public string Of(OfferKind kind) => kind switch
    {
        OfferKind.OpenInApp => OpenInApp,
        OfferKind.FreeTrial => FreeTrial,
        OfferKind.Subscribe => Subscribe,
        _ => ListenFree,
    };
}

[OptionsValidator]
internal sealed partial class OfferOptionsValidator : IValidateOptions<OfferOptions>;
