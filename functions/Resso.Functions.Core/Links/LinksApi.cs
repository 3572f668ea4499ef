using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Offers;
using Resso.Shared.Attribution;
using Resso.Shared.Links;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Links;

/// <summary>
/// <c>GET /api/l/{token}</c>: follows a signed link. Every destination is built from configuration
/// and the verified token, never from the request: <c>?open=app</c> goes to the app URI; a phone
/// without the app gets a claim code (Android: in the Play Store install referrer; iOS: a page that
/// shows and copies it, then opens the App Store); anything else goes to the web player. The follow
/// is a click the first time a device follows the offer's link within
/// <see cref="DeepLinkOptions.ClickWindow"/>, afterwards a repeat (the same click id, no new click,
/// no new claim code while the first can be redeemed). A click is written before the redirect
/// answers, so that a conversion posted to any instance right after it is attributed to it; a repeat
/// is recorded behind the redirect, and so is a click whose write failed. A bad or expired token gets
/// a page with a link to the web player.
/// </summary>
public static class LinksApi
{
    /// <summary>Maps the route (anonymous).</summary>
    public static IEndpointRouteBuilder MapLinksApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/l/{token}", FollowAsync).WithName("FollowLink").AllowAnonymousFunction()
            .WithTags("Links")
            .WithSummary("Follow a signed link")
            .WithDescription("Verifies the token, records the click and redirects: `?open=app` to the app URI; a phone without the app to its store, Android with the claim code in the install referrer; iOS gets a page that shows and copies the claim code, then opens the App Store; anything else to the web player. Every destination comes from configuration and the verified token, never from the request. Never cached.")
            .WithPath("token", () => ApiSchemas.Text(), "The signed token of an offer's universal link.")
            .WithQuery("platform", ApiSchemas.Platform, "The device following the link; left out, the User-Agent decides, then the platform the offer was made for.")
            .WithQuery("open", () => ApiSchemas.Enum("app"), "`app`: the app opened the link itself; redirect to the app URI.")
            .WithHeader("User-Agent", () => ApiSchemas.Text(), "Decides the platform when `platform` is left out.")
            .WithResponse(StatusCodes.Status302Found, "To the app URI, the store (Android: with `referrer=claim%3D{code}`) or the web player.", headers: new Dictionary<string, string> { ["Location"] = "Where to go: a configured store or web-player URL, or the app URI." })
            .WithResponse(StatusCodes.Status200OK, "iOS without the app: a page that shows the claim code, copies it, and opens the App Store.", "text/html")
            .WithResponse(StatusCodes.Status400BadRequest, "The token is not valid: a page with a link to the web player.", "text/html")
            .WithResponse(StatusCodes.Status410Gone, "The token has expired: a page with a link to the web player.", "text/html")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited");
        return routes;
    }

    /// <summary>Verifies, records and redirects; storage gets one deadline, after which the store is still reached, without a claim.</summary>
    public static async Task<IResult> FollowAsync(
        string token,
        HttpRequest request,
        LinkSigner signer,
        OfferService offers,
        AttributionStore attribution,
        AnalyticsWriter analytics,
        StorageGuard guard,
        IOptions<DeepLinkOptions> options,
        TimeProvider timeProvider,
        CancellationToken cancellationToken)
    {
        // Every answer is one click, and a store redirect carries a claim code: nothing may be kept
        // and replayed by a browser or a proxy.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var now = timeProvider.GetUtcNow();
        var verification = signer.Verify(token, now);
        var metrics = request.HttpContext.RequestServices.GetRequiredService<RessoMetrics>();
        if (verification.Claims is not { } claims)
        {
            metrics.LinksFollowed.Add(1, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Destination, "refused"));
            Log.LinkRefused(request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LinksApi)), verification.Status.ToString());
            return InvalidLink(verification.Status, options.Value);
        }

        // The device that follows the link decides (query, then User-Agent); without either, the platform the offer was made for.
        var platform = request.Query["platform"].ToString() is { Length: > 0 } p && Platforms.TryParse(p, out var asked) ? asked : OffersApi.PlatformOf(request) ?? claims.Platform;
        var openApp = string.Equals(request.Query["open"], "app", StringComparison.Ordinal);
        var destination = openApp ? "app" : platform == Platform.Web ? "web" : "store";

        // The device, for de-duplicating clicks: its cookie from an earlier follow, else its address and User-Agent.
        var services = request.HttpContext.RequestServices;
        var device = DeviceOf(request, services.GetRequiredService<LinkKeyRing>(), services.GetRequiredService<IOptions<Resso.Shared.Links.LinkOptions>>().Value.LinkHost);

        var follow = new Follow(claims, attribution.NewId('k'), device, destination, now, options.Value);
        try
        {
            // One deadline for the label, the repeat check, the click and the claim together, so the redirect waits for storage once at most.
            await guard.ExecuteAsync(static (s, ct) => s.Follow.StoreAsync(s.Offers, s.Attribution, ct), (Follow: follow, Offers: offers, Attribution: attribution), cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            // Without a claim the install still happens; only the deferred deep link is lost. Unknown
            // whether it repeats an earlier follow, it counts as a click.
        }

        // A click not written yet goes behind the redirect: counted in reports within a second, but a
        // conversion that arrives before the writer's next flush finds no click to attribute it to.
        // A repeat counts as a follow only: its row names the click it repeats and has no id of its own outside storage.
        if (follow.IsRepeat)
        {
            analytics.Record(new ClickRecord(attribution.NewId('f'), now, claims.OfferId, destination, claims.StartMs, follow.Keys, follow.ClickId));
        }
        else if (!follow.ClickWritten)
        {
            analytics.Record(follow.Click);
        }

        metrics.LinksFollowed.Add(1, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Destination, follow.Claimed ? "store_with_claim" : destination));
        if (device.NewCookie is { } cookie)
        {
            request.HttpContext.Response.Cookies.Append(DeviceCookie, cookie, new CookieOptions
            {
                HttpOnly = true,
                Secure = device.Secure,
                SameSite = SameSiteMode.Lax,
                Path = "/api/l",
                MaxAge = DeviceCookieLifetime,
                IsEssential = true,
            });
        }

        if (openApp)
        {
            return Redirect(LinkUris.AppUri(claims.SongId, claims.StartMs, follow.ClickId), options.Value);
        }

        if (platform == Platform.Web)
        {
            return Redirect(offers.WebPlayerUrl(claims.SongId, claims.StartMs, follow.ClickId), options.Value);
        }

        if (!follow.Claimed)
        {
            return Redirect(platform == Platform.Ios ? options.Value.IosStoreUrl : options.Value.AndroidStoreUrl, options.Value);
        }

        var code = follow.ClaimCode!;
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

    /// <summary>The first-party cookie that tells a device's follows apart: 16 random bytes, base64url, sent only to link routes.</summary>
    public const string DeviceCookie = "resso_device";

    private static readonly TimeSpan DeviceCookieLifetime = TimeSpan.FromDays(365);

    /// <summary>
    /// Who is following: the cookie's value when the device sent a well-formed one; else the client's
    /// address bucket (IPv4 address, IPv6 /64) and User-Agent, and a new cookie for next time, stored
    /// beside the first follow so the next follow finds it under either. Both only as keyed hashes.
    /// </summary>
    private static Device DeviceOf(HttpRequest request, LinkKeyRing keys, string linkHost)
    {
        // Universal links are https by construction, even where TLS ends in front of this host.
        var secure = request.IsHttps || string.Equals(request.Host.Host, linkHost, StringComparison.OrdinalIgnoreCase);
        if (request.Cookies[DeviceCookie] is { Length: 22 } presented && IsBase64Url(presented))
        {
            return new Device(keys.DeviceHash(System.Text.Encoding.ASCII.GetBytes("c:" + presented)), null, null, secure);
        }

        var fallback = keys.DeviceHash(System.Text.Encoding.UTF8.GetBytes($"a:{ClientAddress.Bucket(request.HttpContext.Connection.RemoteIpAddress)}\n{request.Headers.UserAgent}"));
        var cookie = System.Buffers.Text.Base64Url.EncodeToString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        return new Device(fallback, keys.DeviceHash(System.Text.Encoding.ASCII.GetBytes("c:" + cookie)), cookie, secure);
    }

    private static bool IsBase64Url(string value) => value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

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

    /// <param name="Key">The keyed hash this follow is looked up by.</param>
    /// <param name="CookieKey">The keyed hash of <paramref name="NewCookie"/>, stored beside the first follow.</param>
    /// <param name="NewCookie">A cookie to set, when the device sent none.</param>
    /// <param name="Secure">The link was reached over https: the cookie is Secure.</param>
    private sealed record Device(string Key, string? CookieKey, string? NewCookie, bool Secure);

    // What one follow stores: the song's label for the click's keys (reports only); whether the device
    // followed this offer's link before within the window (then its click stands, and its claim code
    // is handed out again); for a click, its rows (by id and in the user's index), so that attribution
    // finds it on any instance as soon as the redirect answers; and, for a phone without the app, a
    // claim, written only when a code is issued. Filled in as far as storage got before the deadline.
    private sealed class Follow(LinkClaims claims, string clickId, Device device, string destination, DateTimeOffset now, DeepLinkOptions options)
    {
        // A phone reached us, so the app did not open the universal link: it is not installed.
        private readonly bool _issuesClaim = destination == "store";

        public string ClickId { get; private set; } = clickId;

        public bool IsRepeat { get; private set; }

        /// <summary>The click's rows are in storage (then nothing is queued for it).</summary>
        public bool ClickWritten { get; private set; }

        /// <summary>This follow as a click.</summary>
        public ClickRecord Click => new(ClickId, now, claims.OfferId, destination, claims.StartMs, Keys);

        public string? ClaimCode { get; private set; }

        public AttributionKeys Keys { get; private set; } = OfferService.KeysOf(claims, null);

        public bool Claimed => ClaimCode is not null;

        public async ValueTask<bool> StoreAsync(OfferService offers, AttributionStore attribution, CancellationToken cancellationToken)
        {
            try
            {
                Keys = OfferService.KeysOf(claims, (await offers.GetSongAsync(claims.SongId, cancellationToken))?.Details);
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                // Without the label the click still counts; the claim is worth trying on its own.
            }

            var code = _issuesClaim ? ClaimCodes.New() : null;
            var registration = await attribution.RegisterFollowAsync(claims.OfferId, device.Key, device.CookieKey, ClickId, code, options.ClickWindow, cancellationToken);
            ClickId = registration.ClickId;
            IsRepeat = registration.IsRepeat;
            if (!registration.IsRepeat)
            {
                // The click and the claim are independent writes: sent together, the claim costs a store
                // redirect no wait beyond the click's.
                await Task.WhenAll(WriteClickAsync(attribution, cancellationToken), code is null ? Task.CompletedTask : CreateClaimAsync(attribution, code, cancellationToken));
                return code is not null;
            }

            if (code is null)
            {
                return false;
            }

            // A repeat: the code the first follow issued, while it can still be redeemed (no new claim row).
            if (registration.ClaimCode is { } issued && await attribution.GetClaimAsync(issued, cancellationToken) is { } earlier && earlier.ExpiresAt > now)
            {
                ClaimCode = issued;
                return true;
            }

            await CreateClaimAsync(attribution, code, cancellationToken);
            await attribution.RememberClaimCodeAsync(claims.OfferId, device.Key, code, cancellationToken);
            return true;
        }

        private async Task WriteClickAsync(AttributionStore attribution, CancellationToken cancellationToken)
        {
            try
            {
                await attribution.RecordClickAsync(Click, cancellationToken);
                ClickWritten = true;
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                // Queued behind the redirect instead (FollowAsync): the redirect and its claim stand.
            }
        }

        private async Task CreateClaimAsync(AttributionStore attribution, string code, CancellationToken cancellationToken)
        {
            await attribution.CreateClaimAsync(
                new ClaimRecord(code, ClickId, claims.OfferId, claims.Kind is { } kind ? OfferService.KindName(kind) : null, claims.StartMs, now, now + options.ClaimLifetime, Keys), cancellationToken);
            ClaimCode = code;
        }
    }
}
