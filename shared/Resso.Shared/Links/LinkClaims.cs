namespace Resso.Shared.Links;

/// <summary>
/// What a signed link says: the offer it came from and everything a click is attributed to. Carried
/// inside the token, so the redirect needs no storage read to know it, and nobody can change it
/// without the key.
/// </summary>
/// <param name="OfferId">The served offer: an id (<see cref="Ids"/>) of at most 32 characters.</param>
/// <param name="SongId">The song: an id (<see cref="Ids"/>).</param>
/// <param name="VideoId">The video the song was heard in, when the app said; an id.</param>
/// <param name="UserId">The viewer, when known; an id.</param>
/// <param name="Region">The viewer's region, ISO 3166-1 alpha-2 (see <see cref="Events.Regions"/>).</param>
/// <param name="Platform">The viewer's platform, which picks the store fallback.</param>
/// <param name="Experiment">The offer experiment, if any: an id of at most 32 characters.</param>
/// <param name="Variant">The variant assigned: an id of at most 32 characters.</param>
/// <param name="StartMs">Where the app opens the song, in milliseconds, ≥ 0.</param>
/// <param name="IssuedAt">When the link was made. Carried to the second: <see cref="LinkSigner.Sign"/> drops fractions.</param>
/// <param name="ExpiresAt">When it stops working: after <paramref name="IssuedAt"/>, at most <see cref="MaxLifetime"/> later; to the second.</param>
/// <param name="Kind">The kind of offer the link came with, which a redeemed claim hands to the app; null in links made before tokens carried it.</param>
public sealed record LinkClaims(
    string OfferId,
    string SongId,
    string? VideoId,
    string? UserId,
    string Region,
    Platform Platform,
    string? Experiment,
    string? Variant,
    int StartMs,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    Offers.OfferKind? Kind = null)
{
    /// <summary>The longest offer id.</summary>
    public const int MaxOfferIdLength = 32;

    /// <summary>The longest song, video or user id (<see cref="Ids.MaxLength"/>).</summary>
    public const int MaxIdLength = Ids.MaxLength;

    /// <summary>The longest experiment or variant name.</summary>
    public const int MaxNameLength = 32;

    /// <summary>The longest a link may live; the token format refuses more.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(366);

    /// <summary>The first thing that keeps these claims from being signed, or null when they can be.</summary>
    internal string? Problem()
    {
        if (!Ids.IsValid(OfferId, MaxOfferIdLength))
        {
            return $"{nameof(OfferId)} {Ids.RuleFor(MaxOfferIdLength)}.";
        }

        if (!Ids.IsValid(SongId))
        {
            return $"{nameof(SongId)} must be an id.";
        }

        if (VideoId is not null && !Ids.IsValid(VideoId))
        {
            return $"{nameof(VideoId)} must be null or an id.";
        }

        if (UserId is not null && !Ids.IsValid(UserId))
        {
            return $"{nameof(UserId)} must be null or an id.";
        }

        if (Events.Regions.Problem(Region) is { } region)
        {
            return $"{nameof(Region)} {region}";
        }

        if (!Enum.IsDefined(Platform))
        {
            return $"{nameof(Platform)} must be a defined platform.";
        }

        if (Experiment is not null && !Ids.IsValid(Experiment, MaxNameLength))
        {
            return $"{nameof(Experiment)} must be null or an id of at most {MaxNameLength} characters.";
        }

        if (Variant is not null && !Ids.IsValid(Variant, MaxNameLength))
        {
            return $"{nameof(Variant)} must be null or an id of at most {MaxNameLength} characters.";
        }

        if (Kind is { } kind && !Enum.IsDefined(kind))
        {
            return $"{nameof(Kind)} must be null or a defined offer kind.";
        }

        if (StartMs < 0)
        {
            return $"{nameof(StartMs)} must be ≥ 0.";
        }

        if (IssuedAt < DateTimeOffset.UnixEpoch)
        {
            return $"{nameof(IssuedAt)} must not be before 1970.";
        }

        var lifetime = ExpiresAt - IssuedAt;
        if (lifetime < TimeSpan.FromSeconds(1) || lifetime > MaxLifetime)
        {
            return $"{nameof(ExpiresAt)} must be 1 second to {MaxLifetime.TotalDays} days after {nameof(IssuedAt)}.";
        }

        return null;
    }
}
