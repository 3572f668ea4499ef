using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Claims;
using Resso.Functions.Core.Conversions;
using Resso.Functions.Core.Links;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Offers;
using Resso.Functions.Core.Reports;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class OfferFunctions(
    OfferService offers,
    LinkSigner signer,
    SongCatalog catalog,
    AttributionStore attribution,
    AnalyticsWriter analytics,
    AttributionReporter reporter,
    CatalogSnapshot snapshot,
    IOptions<DeepLinkOptions> deepLinks,
    TimeProvider timeProvider,
    StorageGuard guard,
    CatalogRollupTimer rollup)
{
    [Function("GetOffer")]
    public async Task<IResult> GetOffer(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "songs/{songId}/offer")] HttpRequest request, string songId) =>
        await OffersApi.GetOfferAsync(songId, request, offers, guard, request.HttpContext.RequestAborted);

    [Function("FollowLink")]
    public Task<IResult> FollowLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "l/{token}")] HttpRequest request, string token) =>
        LinksApi.FollowAsync(token, request, signer, offers, attribution, analytics, guard, deepLinks, timeProvider, request.HttpContext.RequestAborted);

    [Function("RedeemClaim")]
    public async Task<IResult> RedeemClaim(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "claims/{code}")] HttpRequest request, string code) =>
        await ClaimsApi.RedeemAsync(code, request, attribution, guard, request.HttpContext.RequestAborted);

    [Function("RecordConversion")]
    public async Task<IResult> RecordConversion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "conversions")] HttpRequest request) =>
        await ConversionsApi.RecordAsync(request, attribution, catalog, signer, offers, deepLinks, timeProvider, guard, request.HttpContext.RequestAborted);

    [Function("AttributionReport")]
    public Task<IResult> AttributionReport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "reports/attribution")] HttpRequest request) =>
        ReportsApi.GetAttributionAsync(request, reporter, snapshot, timeProvider, guard, request.HttpContext.RequestAborted);

    [Function("AttributionSeries")]
    public Task<IResult> AttributionSeries(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "reports/attribution/series")] HttpRequest request) =>
        ReportsApi.GetSeriesAsync(request, reporter, snapshot, timeProvider, guard, request.HttpContext.RequestAborted);

    [Function("CatalogRollupTimer")]
    public Task CatalogRollupTimer([TimerTrigger(Core.Listeners.CatalogRollupTimer.ScheduleExpression)] TimerInfo timerInfo, CancellationToken cancellationToken) =>
        rollup.RunAsync(cancellationToken);
}
