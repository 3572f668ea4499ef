using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Attribution;
using Resso.Shared.Links;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Claims;

/// <summary>What a freshly installed app gets for its claim code: the song, where to start, and the offer.</summary>
public sealed record ClaimedLink(string SongId, int StartMs, string ClickId, string OfferId, string? OfferKind, string? Experiment, string? Variant);

/// <summary><c>POST /api/claims/{code}</c>: the deferred deep link, redeemed exactly once.</summary>
public static class ClaimsApi
{
    // The conditional update may have reached storage before its answer was lost: a retry then meets
    // a redeemed code. Say so, rather than promise that nothing happened.
    private const string RedemptionMayHaveHappened =
        "The code may or may not have been redeemed. Retry after the time in Retry-After; if this request redeemed it, the retry answers 409.";

    /// <summary>Maps the route (anonymous: the code is the secret).</summary>
    public static IEndpointRouteBuilder MapClaimsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/claims/{code}", RedeemAsync).WithName("RedeemClaim").AllowAnonymousFunction()
            .WithTags("Links")
            .WithSummary("Redeem a claim code after install")
            .WithDescription("The deferred deep link: a freshly installed app sends the code from the store redirect and gets the song, where to start and the offer. Once only. No body. Rate-limited to 10 a minute per client (`Resso__RateLimits__ClaimsPerMinute`): codes are secrets.")
            .WithPath("code", ApiSchemas.ClaimCode, "The claim code, as issued or as the listener typed it.")
            .WithProblems(StatusCodes.Status400BadRequest, "Not a claim code, even ignoring case, spaces and hyphens.", "validation")
            .WithProblems(StatusCodes.Status404NotFound, "No such claim code.", "claim-not-found")
            .WithProblems(StatusCodes.Status409Conflict, "The code has been redeemed already.", "claim-redeemed")
            .WithProblems(StatusCodes.Status410Gone, "The code has expired.", "claim-expired")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; the code may or may not have been redeemed (a retry then answers 409).", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Claimed);
        return routes;
    }

    /// <summary>200 the first time; 409 after; 410 when expired; 404 unknown; 400 not a code.</summary>
    public static async Task<Results<Ok<ClaimedLink>, ValidationProblem, ProblemHttpResult>> RedeemAsync(
        string code, HttpRequest request, AttributionStore attribution, StorageGuard guard, CancellationToken cancellationToken)
    {
        var metrics = request.HttpContext.RequestServices.GetRequiredService<RessoMetrics>();

        // A person may type the code from the iOS page: lower case and separators redeem the same claim.
        if (ClaimCodes.Normalize(code) is not { } normalized)
        {
            metrics.Claims.Add(1, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Outcome, "malformed"));
            return Problems.Validation(new Dictionary<string, string[]> { ["code"] = [ClaimCodes.Problem] });
        }

        code = normalized;

        try
        {
            var (outcome, claim) = await guard.ExecuteAsync(ct => new ValueTask<(ClaimOutcome, ClaimRecord?)>(attribution.RedeemClaimAsync(code, ct)), cancellationToken);
            metrics.Claims.Add(1, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Outcome, OutcomeName(outcome)));
            var logger = request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClaimsApi));
            if (outcome != ClaimOutcome.Redeemed)
            {
                Log.ClaimRefused(logger, outcome.ToString());
            }

            switch (outcome)
            {
                case ClaimOutcome.Unknown:
                    return Problems.NotFound("claim", "No such claim code.");
                case ClaimOutcome.AlreadyRedeemed:
                    return TypedResults.Problem("This claim code has been redeemed already.", statusCode: StatusCodes.Status409Conflict, title: "Already claimed.", type: Problems.TypePrefix + "claim-redeemed");
                case ClaimOutcome.Expired:
                    return TypedResults.Problem("This claim code has expired.", statusCode: StatusCodes.Status410Gone, title: "Expired.", type: Problems.TypePrefix + "claim-expired");
            }

            Log.ClaimRedeemed(logger, claim!.OfferId, claim.ClickId);
            return TypedResults.Ok(new ClaimedLink(claim.Keys.SongId, claim.StartMs, claim.ClickId, claim.OfferId, claim.OfferKind, claim.Keys.Experiment, claim.Keys.Variant));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, RedemptionMayHaveHappened);
        }
    }

    private static string OutcomeName(ClaimOutcome outcome) => outcome switch
    {
        ClaimOutcome.Redeemed => "redeemed",
        ClaimOutcome.AlreadyRedeemed => "already_redeemed",
        ClaimOutcome.Expired => "expired",
        _ => "unknown",
    };
}
