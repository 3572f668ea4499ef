using Microsoft.Extensions.Options;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Attribution;
using Resso.Shared.Catalog;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Offers;
using Resso.Shared.Privacy;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Offers;

/// <summary>The offer's price and terms as the app shows them.</summary>
public sealed record OfferTerms(string Kind, string? Plan, int TrialDays, decimal? Price, string? Currency, string Headline, string? Experiment, string? Variant);

/// <summary>The links of an offer.</summary>
/// <param name="App">Opens the song in the app, at the offset: <c>resso://track/{songId}?t={startMs}&amp;c={offerId}</c>.</param>
/// <param name="Universal">The signed universal link; it falls back to the store or the web player.</param>
/// <param name="Store">The store page for the platform (the web player for web).</param>
public sealed record OfferLinks(string App, string Universal, string Store);

/// <summary>What <c>GET /api/songs/{songId}/offer</c> answers.</summary>
public sealed record OfferResponse(string OfferId, string SongId, string? Title, string? Artist, int StartMs, OfferTerms Offer, OfferLinks Links, DateTimeOffset ExpiresAt);

/// <summary>A validated offer request.</summary>
public sealed record OfferRequest(string SongId, string? UserId, string? VideoId, string Region, Platform Platform, int? StartMs);

/// <summary>
/// Decides and signs offers. Catalog entries and subscription states (fresh 5 minutes each) are
/// cached per instance and refreshed behind the answer once stale (served stale for at most an
/// hour and ten minutes), so that a warm offer costs no storage call; a user whose subscription
/// changes is dropped from every instance's cache within seconds
/// (<see cref="SubscriptionChangeWatcher"/>), and every cached song is read again once a song's details,
/// top segment or neighbours changed on any instance (the key holds the catalog snapshot's
/// <see cref="CatalogSnapshot.Generation"/>). The served offer is counted behind the response.
/// </summary>
public sealed class OfferService(
    SongCatalog catalog,
    CatalogSnapshot snapshot,
    AttributionStore attribution,
    AnalyticsWriter analytics,
    OfferRules rules,
    LinkSigner signer,
    IOptions<LinkOptions> linkOptions,
    IOptions<DeepLinkOptions> deepLinks,
    RefreshingCache cache,
    ErasureMarkers erasures,
    RessoMetrics metrics,
    TimeProvider timeProvider)
{
    private static readonly TimeSpan CatalogFresh = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan CatalogStale = TimeSpan.FromHours(1);
    private static readonly TimeSpan SubscriptionFresh = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan SubscriptionStale = TimeSpan.FromMinutes(10);

    /// <summary>The offer, or null when the song is unknown.</summary>
    public async Task<OfferResponse?> GetOfferAsync(OfferRequest request, CancellationToken cancellationToken = default)
    {
        var song = await GetSongAsync(request.SongId, cancellationToken);
        if (song is null)
        {
            return null;
        }

        // An erased user is someone the app knows nothing about, whatever another instance cached.
        var subscription = request.UserId is null || erasures.IsErased(request.UserId)
            ? SubscriptionState.None
            : await cache.GetAsync(("subscription", request.UserId), ct => attribution.GetSubscriptionAsync(request.UserId, ct), SubscriptionFresh, SubscriptionStale, cancellationToken)
                ?? SubscriptionState.None;

        var offer = rules.Decide(new OfferContext(request.SongId, request.Region, request.UserId, subscription.IsSubscriber, subscription.HadTrial, request.VideoId));
        var now = timeProvider.GetUtcNow();
        var offerId = attribution.NewId('o');
        var startMs = request.StartMs ?? song.TopSegment?.StartMs ?? 0;
        var claims = new LinkClaims(offerId, request.SongId, request.VideoId, request.UserId, request.Region, request.Platform,
            offer.Experiment, offer.Variant, startMs, now, now + linkOptions.Value.LinkLifetime, offer.Kind);
        var token = signer.Sign(claims);
        var kind = KindName(offer.Kind);
        analytics.Record(new OfferRecord(offerId, now, kind, KeysOf(claims, song.Details)));
        metrics.OffersServed.Add(1, new KeyValuePair<string, object?>(RessoTelemetry.Tags.OfferKind, kind));

        return new OfferResponse(
            offerId,
            request.SongId,
            song.Details?.Title,
            song.Details?.Artist,
            startMs,
            new OfferTerms(kind, offer.Plan, offer.TrialDays, offer.Price, offer.Currency, offer.Headline, offer.Experiment, offer.Variant),
            new OfferLinks(
                LinkUris.AppUri(request.SongId, startMs, offerId),
                LinkUris.UniversalLink(linkOptions.Value.LinkHost, token),
                StoreUrl(request.Platform, request.SongId, startMs)),
            claims.ExpiresAt);
    }

    /// <summary>The song's catalog entry from this instance's cache (refreshed behind the answer once stale, read again after a catalog change), or null when unknown.</summary>
    public ValueTask<CatalogEntry?> GetSongAsync(string songId, CancellationToken cancellationToken = default) =>
        cache.GetAsync(("song", songId, snapshot.Generation), ct => catalog.GetAsync(songId, ct), CatalogFresh, CatalogStale, cancellationToken);

    /// <summary>Forgets a user's cached subscription state (after a conversion on this instance).</summary>
    public void ForgetSubscription(string userId) => cache.Remove(("subscription", userId));

    /// <summary>
    /// The attribution keys a token's claims carry, with the song's label. A kind that takes part in no
    /// experiment has none, even in a link signed before such offers stopped carrying one.
    /// </summary>
    public static AttributionKeys KeysOf(LinkClaims claims, SongDetails? song)
    {
        var inExperiment = claims.Kind is not { } kind || OfferRules.TakesPartInExperiments(kind);
        return new(claims.SongId, song?.Label ?? "", claims.Region, claims.VideoId, claims.UserId, Platforms.Name(claims.Platform),
            inExperiment ? claims.Experiment : null, inExperiment ? claims.Variant : null);
    }

    /// <summary>The API name of an offer kind.</summary>
    public static string KindName(OfferKind kind) => kind switch
    {
        OfferKind.OpenInApp => "open_in_app",
        OfferKind.FreeTrial => "free_trial",
        OfferKind.Subscribe => "subscribe",
        _ => "listen_free",
    };

    /// <summary>The store page for a platform, or the song in the web player.</summary>
    public string StoreUrl(Platform platform, string songId, int startMs) => platform switch
    {
        Platform.Ios => deepLinks.Value.IosStoreUrl,
        Platform.Android => deepLinks.Value.AndroidStoreUrl,
        _ => WebPlayerUrl(songId, startMs, null),
    };

    /// <summary>The song in the web player at the offset.</summary>
    public string WebPlayerUrl(string songId, int startMs, string? clickId) =>
        $"{deepLinks.Value.WebPlayerUrl.TrimEnd('/')}/track/{songId}?t={startMs}" + (clickId is null ? "" : $"&c={clickId}");
}
