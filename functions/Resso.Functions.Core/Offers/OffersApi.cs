using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Shared;
using Resso.Shared.Events;
using Resso.Shared.Links;

namespace Resso.Functions.Core.Offers;

/// <summary><c>GET /api/songs/{songId}/offer</c>: the deep-link subscribe offer for the song heard in a video.</summary>
public static class OffersApi
{
    /// <summary>Maps the route (anonymous).</summary>
    public static IEndpointRouteBuilder MapOffersApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/songs/{songId}/offer", GetOfferAsync).WithName("GetOffer").AllowAnonymousFunction()
            .WithTags("Offers")
            .WithSummary("The deep-link subscribe offer for the song heard in a video")
            .WithDescription("Decides the offer for this viewer (`open_in_app` for subscribers, `free_trial`, `subscribe`, `listen_free`), with the regional price, the experiment variant (null for `listen_free`, which is in no experiment) and signed links: the app URI, the universal link (`/api/l/{token}`) and the store fallback. Never cached (`Cache-Control: no-store`).")
            .WithPath("songId", ApiSchemas.Id, "The song heard in the video.")
            .WithQuery("region", ApiSchemas.Region, "The viewer's region.", required: true)
            .WithQuery("userId", ApiSchemas.Id, "The viewer, named by the short-video app's backend with its key in `x-functions-key` (anyone else: `401`). A listener's bearer token names the viewer itself (a different `userId` is `403`). Subscribers get `open_in_app`, viewers who had a trial get no second one.")
            .WithHeader("Authorization", () => ApiSchemas.Text(), "`Bearer {token}`: a listener's access token; the offer is then theirs.")
            .WithHeader(ApiKeys.HeaderName, () => ApiSchemas.Text(), "The backend's key, needed to name `userId`.")
            .WithQuery("videoId", ApiSchemas.Id, "The video; keys the experiment assignment of anonymous viewers and the attribution.")
            .WithQuery("platform", ApiSchemas.Platform, "The viewer's device; left out, the User-Agent decides (web without one).")
            .WithQuery("startMs", ApiSchemas.Milliseconds, "Where the song should start; left out, the song's most used segment.")
            .WithHeader("User-Agent", () => ApiSchemas.Text(), "Decides the platform when `platform` is left out (iPhone/iPad/iPod: ios; Android: android; else web).")
            .WithProblems(StatusCodes.Status400BadRequest, "A query parameter is invalid (`errors` names each).", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "`userId` without the backend's key or a token, or a bearer token that is not valid.", "unauthenticated")
            .WithProblems(StatusCodes.Status403Forbidden, "`userId` names another user than the bearer token.", "forbidden")
            .WithProblems(StatusCodes.Status404NotFound, "The catalog has never heard of the song.", "song-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Offer);
        return routes;
    }

    /// <summary>
    /// Validates the query, then decides, signs and records the offer; 404 for a song the catalog has
    /// never heard of. The offer is personal (the user's subscription decides its kind, and the user's
    /// later conversion is attributed to it) only for an authenticated caller: a listener's bearer
    /// token names the user; the short-video app's backend names one with <c>userId</c> and its key in
    /// <c>x-functions-key</c>. Anyone else gets an anonymous offer and may not name a user (401).
    /// </summary>
    public static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> GetOfferAsync(
        string songId, HttpRequest request, OfferService offers, StorageGuard guard, CancellationToken cancellationToken)
    {
        // An offer is one viewer's, with freshly signed links: never cached or shared by a proxy.
        request.HttpContext.Response.Headers.CacheControl = "no-store";
        var query = request.Query;
        var errors = new Dictionary<string, string[]>();
        if (!Ids.IsValid(songId))
        {
            errors["songId"] = [Ids.Problem];
        }

        var userId = OptionalId(query["userId"], "userId", errors);
        var videoId = OptionalId(query["videoId"], "videoId", errors);
        var region = query["region"].ToString();
        if (Regions.Problem(region) is { } regionProblem)
        {
            errors["region"] = [regionProblem];
        }

        var platform = PlatformOf(request) ?? Platform.Web;
        if (query["platform"].ToString() is { Length: > 0 } platformText && !Platforms.TryParse(platformText, out platform))
        {
            errors["platform"] = ["must be ios, android or web (or left out: the User-Agent decides)."];
        }

        int? startMs = null;
        if (query["startMs"].ToString() is { Length: > 0 } start)
        {
            if (!int.TryParse(start, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) || value > EventParser.MaxSegmentEndMs)
            {
                errors["startMs"] = [$"must be a whole number of milliseconds from 0 to {EventParser.MaxSegmentEndMs}."];
            }
            else
            {
                startMs = value;
            }
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var caller = await ListenerAuthentication.AuthenticateAsync(request.HttpContext);
        if (caller.Refusal is { } refused)
        {
            return refused;
        }

        if (caller.UserId is { } listener)
        {
            if (userId is not null && userId != listener)
            {
                return Problems.Forbidden("userId names another user than the access token; leave it out (the token names the listener).");
            }

            userId = listener;
        }
        else if (userId is not null && !IsKeyed(request))
        {
            return AnonymousUser(request.HttpContext);
        }

        try
        {
            var offer = await guard.ExecuteAsync(ct => new ValueTask<OfferResponse?>(offers.GetOfferAsync(new OfferRequest(songId, userId, videoId, region, platform, startMs), ct)), cancellationToken);
            return offer is null
                ? Problems.NotFound("song", $"The catalog has no song '{songId}'.")
                : TypedResults.Ok(offer);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }
    }

    // The backend of the short-video app names the viewer with its key, checked here on both hosts
    // (the route is anonymous at the Functions host, so the host does not check it).
    private static bool IsKeyed(HttpRequest request) =>
        request.Headers.TryGetValue(ApiKeys.HeaderName, out var key) && request.HttpContext.RequestServices.GetRequiredService<ApiKeys>().IsValid(key.ToString());

    // Naming users without credentials is probing: it counts towards the client's lockout.
    private static ProblemHttpResult AnonymousUser(HttpContext context) =>
        ListenerAuthentication.Unauthenticated(
            context,
            error: null,
            "userId is honoured only from an authenticated caller: the listener's access token in 'Authorization: Bearer', or the app backend's key in x-functions-key. Leave userId out for an anonymous offer.",
            "Naming a user needs authentication.",
            guessing: true);

    /// <summary>The platform a browser's User-Agent says: web when it names neither iOS nor Android; null without a User-Agent.</summary>
    public static Platform? PlatformOf(HttpRequest request)
    {
        var agent = request.Headers.UserAgent.ToString();
        return agent.Length == 0 ? null
            : agent.Contains("iPhone", StringComparison.Ordinal) || agent.Contains("iPad", StringComparison.Ordinal) || agent.Contains("iPod", StringComparison.Ordinal) ? Platform.Ios
            : agent.Contains("Android", StringComparison.Ordinal) ? Platform.Android
            : Platform.Web;
    }

    private static string? OptionalId(string? value, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (!Ids.IsValid(value))
        {
            errors[name] = [Ids.Problem];
            return null;
        }

        return value;
    }
}
