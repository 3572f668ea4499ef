using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Model;

/// <summary>A retrain request as queued on <c>model-retrain</c>.</summary>
/// <param name="Reason">Who asked and why (free text, for the manifest).</param>
/// <param name="RequestedAt">When.</param>
public sealed record RetrainRequest(string Reason, DateTimeOffset RequestedAt);

/// <summary>The answer to <c>POST /api/model/retrain</c>.</summary>
/// <param name="Queued">The request is on the queue.</param>
/// <param name="Reason">As queued.</param>
public sealed record RetrainQueued(bool Queued, string Reason);

/// <summary>What <c>GET /api/model</c> shows.</summary>
/// <param name="Version">The published version; null when <c>current.json</c> cannot be read.</param>
/// <param name="PublishedAt">When it was published; null when the pointer cannot be read.</param>
/// <param name="AgeSeconds">Seconds since its training finished; null when its manifest cannot be read.</param>
/// <param name="Current">Its manifest: data window, parameters, metrics, decision; null when it cannot be read.</param>
/// <param name="ServedVersion">The version this instance serves right now (null until loaded).</param>
/// <param name="ServedSince">Since when.</param>
/// <param name="LastDecision">The newest candidate's manifest, published or refused.</param>
/// <param name="Status"><c>healthy</c>, or <c>degraded</c> when the published model or its pointer cannot be read (this instance then serves an older version, or none).</param>
/// <param name="Reason">What cannot be read, when degraded.</param>
public sealed record ModelStatus(
    string? Version,
    DateTimeOffset? PublishedAt,
    double? AgeSeconds,
    ModelManifest? Current,
    string? ServedVersion,
    DateTimeOffset? ServedSince,
    ModelManifest? LastDecision,
    string Status,
    string? Reason);

/// <summary><c>GET /api/model</c> and <c>POST /api/model/retrain</c>.</summary>
public static class ModelApi
{
    /// <summary>Maps the routes: the status is anonymous, a retrain needs a key.</summary>
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/model", GetModelAsync).WithName("GetModel").AllowAnonymousFunction()
            .WithTags("Model")
            .WithSummary("The published model, what this instance serves, and the last publish decision")
            .WithDescription("A pointer or model that cannot be read is reported (`status` `degraded`, with `reason`), not an error.")
            .WithProblems(StatusCodes.Status404NotFound, "No model has been published yet (`detail` says whether a candidate was refused, and why).", "model-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Model);
        routes.MapPost("/model/retrain", RequestRetrainAsync).WithName("RetrainModel").RequireFunctionKey()
            .WithTags("Model")
            .WithSummary("Queue a retrain")
            .WithDescription("The trainer trains a candidate and publishes it only if its NDCG@10 holds up against the current model.")
            .WithQuery("reason", () => ApiSchemas.Text(200), "Who asks and why, kept in the manifest (1–200 characters; otherwise `requested over HTTP`).")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; the retrain may or may not have been queued, and retrying is harmless.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status202Accepted, new RetrainQueued(true, "new catalog"));
        return routes;
    }

    /// <summary>
    /// The published model, what this instance serves, and the last publish decision; 404 before the
    /// first model. A pointer or model that cannot be read is reported (<c>degraded</c>), not an error.
    /// </summary>
    public static async Task<Results<Ok<ModelStatus>, ProblemHttpResult>> GetModelAsync(
        HttpRequest request, ModelStore store, ModelHolder holder, ModelRefresher refresher, StorageGuard guard, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Published published;
        try
        {
            published = await guard.ExecuteAsync(static (s, ct) => new ValueTask<Published>(ReadPublishedAsync(s, ct)), store, cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }

        var last = published.LastDecision;
        if (!published.Exists)
        {
            return Problems.NotFound("model", last is null
                ? "No model has been trained yet. POST /api/model/retrain once events have arrived."
                : $"No model is published; the last candidate ({last.Version}) was refused: {last.Decision.Reason}");
        }

        // Storage is read here; whether the factors load, only the instance that loaded them knows.
        var reason = published.Problem
            ?? (refresher.Status is { IsDegraded: true } status && status.Current is not null && status.Current == published.Pointer?.Version ? status.Reason : null);
        var served = holder.Current;
        return TypedResults.Ok(new ModelStatus(
            published.Pointer?.Version,
            published.Pointer?.PublishedAt,
            published.Manifest is { } manifest ? Math.Round((timeProvider.GetUtcNow() - manifest.CreatedAt).TotalSeconds) : null,
            published.Manifest,
            served?.Version,
            served?.LoadedAt,
            last,
            reason is null ? "healthy" : "degraded",
            reason));
    }

    // A retry after a lost answer may queue a second request; the trainer treats it like any other.
    private const string RetrainMayBeQueued = "The retrain may or may not have been queued; retrying may queue a second one, which is harmless.";

    /// <summary>Queues a retrain; the <c>model-retrain</c> function trains and publishes if the candidate holds up.</summary>
    public static async Task<Results<Accepted<RetrainQueued>, ProblemHttpResult>> RequestRetrainAsync(
        HttpRequest request, QueueServiceClient queues, StorageNames names, StorageGuard guard, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var reason = request.Query["reason"].ToString() is { Length: > 0 and <= 200 } given ? given : "requested over HTTP";
        var message = BinaryData.FromObjectAsJson(new RetrainRequest(reason, timeProvider.GetUtcNow()), JsonSerializerOptions.Web);
        try
        {
            await guard.ExecuteAsync(
                static async (s, ct) => await s.Queue.SendMessageAsync(s.Message, cancellationToken: ct),
                (Queue: queues.GetQueueClient(names.ModelRetrainQueue), Message: message),
                cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, RetrainMayBeQueued);
        }

        return TypedResults.Accepted((string?)null, new RetrainQueued(true, reason));
    }

    // What storage says is published: the pointer, its manifest and the last decision, each of which may be unreadable.
    private sealed record Published(bool Exists, CurrentPointer? Pointer, ModelManifest? Manifest, ModelManifest? LastDecision, string? Problem);

    private static async Task<Published> ReadPublishedAsync(ModelStore store, CancellationToken cancellationToken)
    {
        ModelManifest? last;
        try
        {
            last = await store.GetLastDecisionAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            // A garbled copy; the versions' own manifests are what serving goes by.
            last = null;
        }

        CurrentPointer pointer;
        try
        {
            if (await store.GetCurrentAsync(cancellationToken) is not { } current)
            {
                return new Published(false, null, null, last, null);
            }

            pointer = current.Pointer;
        }
        catch (InvalidDataException ex)
        {
            return new Published(true, null, null, last, ModelServingStatus.PointerUnreadable(ex));
        }

        try
        {
            return new Published(true, pointer, await store.GetManifestAsync(pointer.Version, cancellationToken), last, null);
        }
        catch (InvalidDataException ex)
        {
            return new Published(true, pointer, null, last, ModelServingStatus.ModelUnreadable(pointer.Version, ex));
        }
    }
}
