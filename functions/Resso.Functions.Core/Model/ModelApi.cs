using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
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
/// <param name="Version">The published version.</param>
/// <param name="PublishedAt">When it was published.</param>
/// <param name="AgeSeconds">Seconds since its training finished.</param>
/// <param name="Current">Its manifest: data window, parameters, metrics, decision.</param>
/// <param name="ServedVersion">The version this instance serves right now (null until loaded).</param>
/// <param name="ServedSince">Since when.</param>
/// <param name="LastDecision">The newest candidate's manifest, published or refused.</param>
public sealed record ModelStatus(string Version, DateTimeOffset PublishedAt, double AgeSeconds, ModelManifest Current, string? ServedVersion, DateTimeOffset? ServedSince, ModelManifest? LastDecision);

/// <summary><c>GET /api/model</c> and <c>POST /api/model/retrain</c>.</summary>
public static class ModelApi
{
    /// <summary>Maps the routes: the status is anonymous, a retrain needs a key.</summary>
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/model", GetModelAsync).WithName("GetModel").AllowAnonymousFunction();
        routes.MapPost("/model/retrain", RequestRetrainAsync).WithName("RetrainModel").RequireFunctionKey();
        return routes;
    }

    /// <summary>The published model, what this instance serves, and the last publish decision; 404 before the first model.</summary>
    public static async Task<Results<Ok<ModelStatus>, ProblemHttpResult>> GetModelAsync(
        HttpRequest request, ModelStore store, ModelHolder holder, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            var last = await store.GetLastDecisionAsync(cancellationToken);
            if (await store.GetCurrentAsync(cancellationToken) is not { } current)
            {
                return Problems.NotFound("model", last is null
                    ? "No model has been trained yet. POST /api/model/retrain once events have arrived."
                    : $"No model is published; the last candidate ({last.Version}) was refused: {last.Decision.Reason}");
            }

            var manifest = await store.GetManifestAsync(current.Pointer.Version, cancellationToken);
            var served = holder.Current;
            return TypedResults.Ok(new ModelStatus(
                manifest.Version,
                current.Pointer.PublishedAt,
                Math.Round((timeProvider.GetUtcNow() - manifest.CreatedAt).TotalSeconds),
                manifest,
                served?.Version,
                served?.LoadedAt,
                last));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }
    }

    // A retry after a lost answer may queue a second request; the trainer treats it like any other.
    private const string RetrainMayBeQueued = "The retrain may or may not have been queued; retrying may queue a second one, which is harmless.";

    /// <summary>Queues a retrain; the <c>model-retrain</c> function trains and publishes if the candidate holds up.</summary>
    public static async Task<Results<Accepted<RetrainQueued>, ProblemHttpResult>> RequestRetrainAsync(
        HttpRequest request, QueueServiceClient queues, StorageNames names, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var reason = request.Query["reason"].ToString() is { Length: > 0 and <= 200 } given ? given : "requested over HTTP";
        var message = new RetrainRequest(reason, timeProvider.GetUtcNow());
        try
        {
            await queues.GetQueueClient(names.ModelRetrainQueue).SendMessageAsync(BinaryData.FromObjectAsJson(message, JsonSerializerOptions.Web), cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, RetrainMayBeQueued);
        }

        return TypedResults.Accepted((string?)null, new RetrainQueued(true, reason));
    }
}
