using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Offers;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;

namespace Resso.Functions.Core.Links;

/// <summary>
/// <c>GET /api/l/{token}</c>: follows a signed link. Every destination is built from configuration
/// and the verified token, never from the request: <c>?open=app</c> goes to the app URI; a phone
/// without the app gets a claim code (Android: in the Play Store install referrer; iOS: a page that
/// shows and copies it, then opens the App Store); anything else goes to the web player. The click
/// is recorded behind the redirect. A bad or expired token gets a page with a link to the web player.
/// </summary>
public static class LinksApi
{
    /// <summary>Maps the route (anonymous).</summary>
    public static IEndpointRouteBuilder MapLinksApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/l/{token}", FollowAsync).WithName("FollowLink").AllowAnonymousFunction();
        return routes;
    }

    /// <summary>Verifies, records and redirects.</summary>
    public static async Task<IResult> FollowAsync(
        string token,
        HttpRequest request,
        LinkSigner signer,
        OfferService offers,
        AttributionStore attribution,
        AnalyticsWriter analytics,
        IOptions<DeepLinkOptions> options,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var verification = signer.Verify(token, now);
        if (verification.Claims is not { } claims)
        {
            Log.LinkRefused(request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LinksApi)), verification.Status.ToString());
            return InvalidLink(verification.Status, options.Value);
        }

        // The device that follows the link decides (query, then User-Agent); without either, the platform the offer was made for.
        var platform = request.Query["platform"].ToString() is { Length: > 0 } p && Platforms.TryParse(p, out var asked) ? asked : OffersApi.PlatformOf(request) ?? claims.Platform;
        var openApp = string.Equals(request.Query["open"], "app", StringComparison.Ordinal);
        var destination = openApp ? "app" : platform == Platform.Web ? "web" : "store";
        var clickId = attribution.NewId('k');
        CatalogEntry? song = null;
        try
        {
            song = await offers.GetSongAsync(claims.SongId, cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex))
        {
            // The label is only for reports; the redirect must not wait on storage.
        }

        var keys = OfferService.KeysOf(claims, song?.Details);
        analytics.Record(new ClickRecord(clickId, now, claims.OfferId, destination, claims.StartMs, keys));

        if (openApp)
        {
            return Redirect(LinkUris.AppUri(claims.SongId, claims.StartMs, clickId), options.Value);
        }

        if (platform == Platform.Web)
        {
            return Redirect(offers.WebPlayerUrl(claims.SongId, claims.StartMs, clickId), options.Value);
        }

        // A phone reached us, so the app did not open the universal link: it is not installed.
        var code = ClaimCodes.New();
        try
        {
            await attribution.CreateClaimAsync(
                new ClaimRecord(code, clickId, claims.OfferId, claims.Kind is { } kind ? OfferService.KindName(kind) : null, claims.StartMs, now, now + options.Value.ClaimLifetime, keys), cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex))
        {
            // Without a claim the install still happens; only the deferred deep link is lost.
            return Redirect(platform == Platform.Ios ? options.Value.IosStoreUrl : options.Value.AndroidStoreUrl, options.Value);
        }

        if (platform == Platform.Android)
        {
            var store = options.Value.AndroidStoreUrl;
            return Redirect($"{store}{(store.Contains('?', StringComparison.Ordinal) ? '&' : '?')}referrer={Uri.EscapeDataString("claim=" + code)}", options.Value);
        }

        var appStore = options.Value.IosStoreUrl;
        return new HtmlPage(
            StatusCodes.Status200OK,
            "Get Resso",
            $"<h1>Listen to the full song in Resso</h1><p>After installing, open Resso and enter this code to start where you left off:</p>" +
            $"<p><code id=\"code\">{HtmlPage.Encode(code)}</code></p><a class=\"button\" id=\"go\" href=\"{HtmlPage.Encode(appStore)}\">Copy the code and open the App Store</a>",
            "document.getElementById('go').addEventListener('click',function(){try{navigator.clipboard.writeText(document.getElementById('code').textContent);}catch(e){}});");
    }

    private static IResult Redirect(string url, DeepLinkOptions options) =>
        LinkUris.IsAllowedRedirect(url, options.RedirectHosts())
            ? TypedResults.Redirect(url)
            : throw new InvalidOperationException("A redirect destination fell outside the configured hosts; check Resso__Links__*Url settings.");

    private static HtmlPage InvalidLink(LinkVerificationStatus status, DeepLinkOptions options)
    {
        var (code, message) = status == LinkVerificationStatus.Expired
            ? (StatusCodes.Status410Gone, "This link has expired.")
            : (StatusCodes.Status400BadRequest, "This link is not valid.");
        return new HtmlPage(code, "Resso", $"<h1>{HtmlPage.Encode(message)}</h1><p>You can still listen on Resso.</p><a class=\"button\" href=\"{HtmlPage.Encode(options.WebPlayerUrl)}\">Open Resso</a>");
    }
}
