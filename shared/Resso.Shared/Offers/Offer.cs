using System.Text.Json.Serialization;

namespace Resso.Shared.Offers;

/// <summary>What a viewer is offered for the song heard in a video. JSON: <c>open_in_app</c>, <c>free_trial</c>, <c>subscribe</c>, <c>listen_free</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OfferKind>))]
public enum OfferKind
{
    /// <summary>Already a subscriber: just open the song in the app.</summary>
    [JsonStringEnumMemberName("open_in_app")]
    OpenInApp,

    /// <summary>Never had a trial, and the region offers one.</summary>
    [JsonStringEnumMemberName("free_trial")]
    FreeTrial,

    /// <summary>The region has a paid plan, but no trial for this viewer.</summary>
    [JsonStringEnumMemberName("subscribe")]
    Subscribe,

    /// <summary>The region has no paid plan: listen free.</summary>
    [JsonStringEnumMemberName("listen_free")]
    ListenFree,
}

/// <summary>Who is asking for an offer, and for which song.</summary>
/// <param name="SongId">The song heard in the video.</param>
/// <param name="Region">The viewer's region, ISO 3166-1 alpha-2 (validated by the caller; an unknown region has no paid plan).</param>
/// <param name="UserId">The viewer, when known.</param>
/// <param name="IsSubscriber">The viewer subscribes now (paid or trial).</param>
/// <param name="HadTrial">The viewer has had a free trial before.</param>
/// <param name="VideoId">The video, when the app said; keys experiment assignment for anonymous viewers.</param>
public sealed record OfferContext(string SongId, string Region, string? UserId, bool IsSubscriber, bool HadTrial, string? VideoId);

/// <summary>The offer decided for one viewer and song.</summary>
/// <param name="Kind">What is offered.</param>
/// <param name="Plan">The plan offered (<see cref="RegionPlan.Plan"/>); null for <see cref="OfferKind.OpenInApp"/> and <see cref="OfferKind.ListenFree"/>.</param>
/// <param name="TrialDays">Free days before the first payment; 0 unless <see cref="OfferKind.FreeTrial"/>.</param>
/// <param name="Price">Monthly price in the region (after any trial); null when no plan is offered.</param>
/// <param name="Currency">ISO 4217 currency of <paramref name="Price"/>; null when no plan is offered.</param>
/// <param name="Headline">The English headline to show; the variant's if it has one.</param>
/// <param name="Experiment">The experiment the viewer is in, if any; never for <see cref="OfferKind.ListenFree"/> (<see cref="OfferRules.TakesPartInExperiments"/>).</param>
/// <param name="Variant">The variant assigned, if in an experiment.</param>
public sealed record Offer(OfferKind Kind, string? Plan, int TrialDays, decimal? Price, string? Currency, string Headline, string? Experiment, string? Variant);
