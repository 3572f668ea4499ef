using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Hosting;
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
    /// <summary>Maps the routes (key required).</summary>
    public static IEndpointRouteBuilder MapPrivacyApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/users/{userId}/export", ExportAsync).WithName("ExportUser").RequireFunctionKey();
        routes.MapDelete("/users/{userId}", EraseAsync).WithName("EraseUser").RequireFunctionKey();
        return routes;
    }

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
    /// id; 503 when storage fails, after which a retry completes the erasure.
    /// </summary>
    public static async Task<Results<Ok<ErasureReport>, ValidationProblem, ProblemHttpResult>> EraseAsync(string userId, HttpRequest request, PrivacyService privacy, CancellationToken cancellationToken)
    {
        if (!Ids.IsValid(userId))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["userId"] = [Ids.Problem] });
        }

        try
        {
            return TypedResults.Ok(await privacy.EraseAsync(userId, cancellationToken));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.RetrySafe);
        }
    }
}
