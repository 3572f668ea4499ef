using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
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
        routes.MapGet("/songs/{songId}/offer", GetOfferAsync).WithName("GetOffer").AllowAnonymousFunction();
        return routes;
    }

    /// <summary>Validates the query, then decides, signs and records the offer; 404 for a song the catalog has never heard of.</summary>
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
        if (!Regions.IsValid(region))
        {
            errors["region"] = ["is required: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID."];
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
