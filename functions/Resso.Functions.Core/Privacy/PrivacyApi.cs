using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Shared;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Privacy;

/// <summary>
/// One listener's data, server to server (key required): <c>GET /api/users/{userId}/export</c> streams
/// everything held about the user as one JSON document; <c>DELETE /api/users/{userId}</c> erases it
/// and answers what was erased. <see cref="ExportAsync"/> and <see cref="EraseAsync"/> take the user
/// id, so a route that knows the listener from their own credentials calls them the same way.
/// docs/privacy.md describes both.
/// </summary>
public static class PrivacyApi
{
    /// <summary>Maps the routes: the listener's own with their bearer token, a named user's with the backend's key.</summary>
    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/me/export", MyExportAsync).WithName("ExportMe").RequireListener()
            .WithSummary("Everything held about the caller, as one JSON document")
            .WithDescription("For the listener the bearer token names: subscription, fold-in vector, what the model holds, counted events, raw events, clicks, claims, conversions (docs/privacy.md). Streamed as an attachment, never cached.")
            .Export();
        routes.MapDelete("/me", EraseMeAsync).WithName("EraseMe").RequireListener()
            .WithSummary("Erase the caller")
            .WithDescription("For the listener the bearer token names: every row and blob of the user erased, conversions kept pseudonymized for accounting, events in flight dropped, models cleaned, cached answers dropped on every instance, a retrain queued. Idempotent.")
            .Erase();
        routes.MapGet("/users/{userId}/export", ExportAsync).WithName("ExportUser").RequireFunctionKey()
            .WithSummary("Everything held about a user, for the streaming app's backend")
            .WithDescription("As `GET /api/me/export`, for the user named in the path, with the backend's key.")
            .WithPath("userId", ApiSchemas.Id, "The user.")
            .Export();
        routes.MapDelete("/users/{userId}", EraseAsync).WithName("EraseUser").RequireFunctionKey()
            .WithSummary("Erase a user, for the streaming app's backend")
            .WithDescription("As `DELETE /api/me`, for the user named in the path, with the backend's key.")
            .WithPath("userId", ApiSchemas.Id, "The user.")
            .Erase();
        return routes;
    }

    /// <summary>The caller's export (<see cref="ExportAsync"/> for the listener the token names).</summary>
    public static Task<IResult> MyExportAsync(HttpRequest request, PrivacyService privacy, CancellationToken cancellationToken) =>
        ListenersApi.ForListenerAsync(request, async userId => await ExportAsync(userId, request, privacy, cancellationToken));

    /// <summary>The caller's erasure (<see cref="EraseAsync"/> for the listener the token names).</summary>
    public static Task<IResult> EraseMeAsync(HttpRequest request, PrivacyService privacy) =>
        ListenersApi.ForListenerAsync(request, async userId => await EraseAsync(userId, request, privacy));

    private static RouteHandlerBuilder Export(this RouteHandlerBuilder builder) =>
        builder.WithTags("Privacy")
            .WithResponse(StatusCodes.Status200OK, "The export (`format` `resso-user-export/1`), streamed as `resso-export.json`; described in docs/privacy.md. An unknown user gets a document with nothing in it.", "application/json")
            .WithProblems(StatusCodes.Status400BadRequest, "The user id is invalid.", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "No valid credentials.", "unauthorized", "unauthenticated");

    private static RouteHandlerBuilder Erase(this RouteHandlerBuilder builder) =>
        builder.WithTags("Privacy")
            .WithJsonResponse<ErasureReport>(StatusCodes.Status200OK, "What was erased, per store; the same again erases nothing more.")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Erasure)
            .WithProblems(StatusCodes.Status400BadRequest, "The user id is invalid.", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "No valid credentials.", "unauthorized", "unauthenticated")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying completes the erasure.", "storage-unavailable");

    /// <summary>
    /// 200 with the export, streamed (<c>application/json</c>, as an attachment, never cached); 400 for
    /// an invalid id. An unknown user gets a document with nothing in it. A storage failure after the
    /// first bytes ends the response early, which a JSON reader sees as truncated.
    /// </summary>
    public static Task<Results<PushStreamHttpResult, ValidationProblem>> ExportAsync(string userId, HttpRequest request, PrivacyService privacy, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(userId))
        {
            return Task.FromResult<Results<PushStreamHttpResult, ValidationProblem>>(Problems.Validation(new Dictionary<string, string[]> { ["userId"] = [Ids.Problem] }));
        }

        request.HttpContext.Response.Headers.CacheControl = "no-store";
        return Task.FromResult<Results<PushStreamHttpResult, ValidationProblem>>(
            TypedResults.Stream(body => privacy.WriteExportAsync(userId, body, cancellationToken), "application/json", "resso-export.json"));
    }

    /// <summary>
    /// 200 with what was erased, per store, once every store is swept twice (a few seconds: see
    /// <see cref="PrivacyService.EraseAsync"/>); the same again erases nothing more. 400 for an invalid
    /// id; 503 when storage fails, after which a retry completes the erasure. It runs to its end even
    /// if the caller disconnects, so it takes no cancellation token.
    /// </summary>
    public static async Task<Results<Ok<ErasureReport>, ValidationProblem, ProblemHttpResult>> EraseAsync(string userId, HttpRequest request, PrivacyService privacy)
    {
        if (!Ids.IsValid(userId))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["userId"] = [Ids.Problem] });
        }

        // Once begun, an erasure runs to its end even if the caller stops waiting: half of one is worse than a late answer.
        try
        {
            return TypedResults.Ok(await privacy.EraseAsync(userId, CancellationToken.None));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, CancellationToken.None))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.RetrySafe);
        }
    }
}
