namespace Resso.Shared.Attribution;

/// <summary>Who and what a served offer, and everything after it, is attributed to.</summary>
/// <param name="SongId">The song heard in the video.</param>
/// <param name="Label">The song's label (empty when the catalog does not know it).</param>
/// <param name="Region">The viewer's region.</param>
/// <param name="VideoId">The video, when the app said.</param>
/// <param name="UserId">The viewer, when known.</param>
/// <param name="Platform">ios, android or web.</param>
/// <param name="Experiment">The experiment, if the viewer is in one.</param>
/// <param name="Variant">The variant assigned.</param>
public sealed record AttributionKeys(string SongId, string Label, string Region, string? VideoId, string? UserId, string Platform, string? Experiment, string? Variant);

/// <summary>An offer served, as the offer log counts it.</summary>
/// <param name="OfferId">Minted per offer; carried by the link token (the log counts offers and does not keep it).</param>
/// <param name="ServedAt">When.</param>
/// <param name="Kind">open_in_app, free_trial, subscribe or listen_free.</param>
/// <param name="Keys">Attribution.</param>
public sealed record OfferRecord(string OfferId, DateTimeOffset ServedAt, string Kind, AttributionKeys Keys);

/// <summary>
/// A followed link. The first follow of an offer's link by a device within the click window is a
/// click; later follows by the same device within the window are repeats, kept only to count
/// follows (<see cref="RepeatOf"/> set): they are no clicks, and last-click attribution ignores them.
/// </summary>
/// <param name="ClickId">Minted per click; the app URI and claim carry it. For a repeat, the id of this follow's own row (never handed out).</param>
/// <param name="ClickedAt">When.</param>
/// <param name="OfferId">The offer whose link it was.</param>
/// <param name="Destination">app, store or web.</param>
/// <param name="StartMs">Where the link opens the song.</param>
/// <param name="Keys">Attribution, from the token.</param>
/// <param name="RepeatOf">For a repeat follow, the click it repeats; null for a click.</param>
public sealed record ClickRecord(string ClickId, DateTimeOffset ClickedAt, string OfferId, string Destination, int StartMs, AttributionKeys Keys, string? RepeatOf = null)
{
    /// <summary>This follow is a click (the device's first follow of the offer within the window), not a repeat.</summary>
    public bool IsClick => RepeatOf is null;
}

/// <summary>What <see cref="AttributionStore.RegisterFollowAsync"/> found.</summary>
/// <param name="ClickId">The click this follow counts as: the new one, or the one it repeats.</param>
/// <param name="IsRepeat">The device followed the offer's link before, within the click window.</param>
/// <param name="ClaimCode">For a repeat, the claim code the first follow issued, if it issued one.</param>
public sealed record FollowRegistration(string ClickId, bool IsRepeat, string? ClaimCode);

/// <summary>What a redeemed claim code gives the freshly installed app.</summary>
/// <param name="Code">The claim code.</param>
/// <param name="ClickId">The click that issued it.</param>
/// <param name="OfferId">The offer.</param>
/// <param name="OfferKind">The offer's kind (open_in_app, free_trial, subscribe or listen_free), from the link; null for links made before they carried it.</param>
/// <param name="StartMs">Where to open the song.</param>
/// <param name="CreatedAt">When it was issued.</param>
/// <param name="ExpiresAt">After this it cannot be redeemed.</param>
/// <param name="Keys">Attribution.</param>
/// <param name="RedeemedAt">When it was redeemed; null while it is not.</param>
public sealed record ClaimRecord(string Code, string ClickId, string OfferId, string? OfferKind, int StartMs, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, AttributionKeys Keys, DateTimeOffset? RedeemedAt = null);

/// <summary>How a conversion was tied to a click.</summary>
/// <param name="Method">token, click, claim or last_click.</param>
/// <param name="ClickId">The click.</param>
/// <param name="OfferId">Its offer.</param>
/// <param name="Keys">Attribution.</param>
public sealed record ConversionAttribution(string Method, string ClickId, string OfferId, AttributionKeys Keys);

/// <summary>A subscription reported by billing.</summary>
/// <param name="ConversionId">Billing's id; the idempotency key.</param>
/// <param name="UserId">The subscriber.</param>
/// <param name="Plan">The plan bought.</param>
/// <param name="Amount">What was paid (0 for a free trial).</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="OccurredAt">When.</param>
/// <param name="IsTrial">A free trial started rather than a paid subscription.</param>
/// <param name="Attribution">The click it is attributed to; null when none is found (kept and reported as unattributed).</param>
public sealed record ConversionRecord(string ConversionId, string UserId, string Plan, decimal Amount, string Currency, DateTimeOffset OccurredAt, bool IsTrial, ConversionAttribution? Attribution);

/// <summary>What <see cref="AttributionStore.RecordConversionAsync"/> did.</summary>
public enum ConversionOutcome
{
    /// <summary>Stored now, and the user's subscription state with it.</summary>
    Recorded,

    /// <summary>
    /// Stored before with the same values: nothing new was stored, and the user's subscription state
    /// was applied again, in case the attempt that stored the conversion stopped before it.
    /// </summary>
    Duplicate,

    /// <summary>Stored before with other values: nothing was changed.</summary>
    Conflict,
}

/// <summary>The result of recording a conversion.</summary>
/// <param name="Conversion">The conversion as stored: the one given when recorded now, else the one stored first.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="ConflictingFields">
/// For a <see cref="ConversionOutcome.Conflict"/>, the fields whose values differ from the stored
/// ones, named as in <c>POST /api/conversions</c>: <c>userId</c>, <c>plan</c>, <c>amount</c>,
/// <c>currency</c>, <c>occurredAt</c>, <c>trial</c>; otherwise empty.
/// </param>
public sealed record ConversionRecording(ConversionRecord Conversion, ConversionOutcome Outcome, IReadOnlyList<string> ConflictingFields);

/// <summary>A user's subscription state, as the offer decision needs it.</summary>
/// <param name="IsSubscriber">Subscribed (paid or trial).</param>
/// <param name="HadTrial">Has had a free trial.</param>
public sealed record SubscriptionState(bool IsSubscriber, bool HadTrial)
{
    /// <summary>Someone who never subscribed.</summary>
    public static SubscriptionState None { get; } = new(false, false);
}
