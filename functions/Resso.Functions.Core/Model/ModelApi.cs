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

/// <summary>
/// What <c>GET /api/model</c> shows. Each manifest appears once: the published one in
/// <paramref name="Current"/>, and the last decision's only when it is another version.
/// </summary>
/// <param name="Version">The published version; null when <c>current.json</c> cannot be read.</param>
/// <param name="PublishedAt">When it was published; null when the pointer cannot be read.</param>
/// <param name="AgeSeconds">Seconds since its training finished; null when its manifest cannot be read.</param>
/// <param name="Current">Its manifest: data window, parameters, metrics, decision; null when it cannot be read.</param>
/// <param name="ServedVersion">The version this instance serves right now (null until loaded).</param>
/// <param name="ServedSince">Since when.</param>
/// <param name="LastDecision">The newest candidate's publish decision, published or refused; null when it cannot be read.</param>
/// <param name="Status"><c>healthy</c>, or <c>degraded</c> when the published model or its pointer cannot be read (this instance then serves an older version, or none).</param>
/// <param name="Reason">What cannot be read, when degraded.</param>
/// <param name="Links">Where the rest is: every stored version.</param>
public sealed record ModelStatus(
    string? Version,
    DateTimeOffset? PublishedAt,
    double? AgeSeconds,
    ModelManifest? Current,
    string? ServedVersion,
    DateTimeOffset? ServedSince,
    ModelDecision? LastDecision,
    string Status,
    string? Reason,
    ModelLinks Links);

/// <summary>The last publish decision in <c>GET /api/model</c>: which version, and what was decided.</summary>
/// <param name="Version">The candidate decided on; when it is the published version, its manifest is <c>current</c>.</param>
/// <param name="DecidedAt">When (its training finished, and the decision followed).</param>
/// <param name="Published">It was published.</param>
/// <param name="Reason">Why, in words, with the figures.</param>
/// <param name="Manifest">
/// The candidate's whole manifest, only when <c>current</c> does not show it: a refused
/// candidate (or a published one whose pointer or manifest cannot be read); null otherwise.
/// </param>
public sealed record ModelDecision(string Version, DateTimeOffset DecidedAt, bool Published, string Reason, ModelManifest? Manifest)
{
    /// <summary>The decision recorded in <paramref name="last"/>, with its manifest unless <paramref name="current"/> is the same version.</summary>
    public static ModelDecision From(ModelManifest last, ModelManifest? current)
    {
        ArgumentNullException.ThrowIfNull(last);
        var shown = string.Equals(last.Version, current?.Version, StringComparison.Ordinal);
        return new(last.Version, last.CreatedAt, last.Decision.Published, last.Decision.Reason, shown ? null : last);
    }
}

/// <summary>Links of <c>GET /api/model</c>.</summary>
/// <param name="Versions"><c>GET /api/model/versions</c>: every stored version, newest first, paged with <c>count</c> and <c>before</c>.</param>
public sealed record ModelLinks(string Versions)
{
    /// <summary>The links, the same on both hosts (whose route prefix is <c>api</c>).</summary>
    public static ModelLinks Default { get; } = new("/api/model/versions");
}

/// <summary>One stored version in <c>GET /api/model/versions</c>: its manifest, and where it stands.</summary>
/// <param name="Version">The version (sortable by time).</param>
/// <param name="CreatedAt">When training finished.</param>
/// <param name="Trigger">What asked for the training.</param>
/// <param name="TrainingSeconds">Wall time of training.</param>
/// <param name="WarmStarted">Trained on from the previous model's parameters.</param>
/// <param name="Data">The data window.</param>
/// <param name="Parameters">Training parameters.</param>
/// <param name="Metrics">Held-out quality (NDCG@K and the rest).</param>
/// <param name="Decision">The publish decision, with its reason.</param>
/// <param name="Published">The decision was to publish it.</param>
/// <param name="Current">It is the version <c>current.json</c> names.</param>
public sealed record ModelVersion(
    string Version,
    DateTimeOffset CreatedAt,
    string Trigger,
    double TrainingSeconds,
    bool WarmStarted,
    DataWindow Data,
    IReadOnlyDictionary<string, string> Parameters,
    ModelMetrics Metrics,
    PublishDecision Decision,
    bool Published,
    bool Current)
{
    /// <summary>The version's entry, given the published version.</summary>
    public static ModelVersion From(ModelManifest manifest, string? current)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new(manifest.Version, manifest.CreatedAt, manifest.Trigger, manifest.TrainingSeconds, manifest.WarmStarted, manifest.Data, manifest.Parameters,
            manifest.Metrics, manifest.Decision, manifest.Decision.Published, string.Equals(manifest.Version, current, StringComparison.Ordinal));
    }
}

/// <summary>What <c>GET /api/model/versions</c> shows: a page of the stored versions, newest first.</summary>
/// <param name="Current">The published version; null when none is, or when <c>current.json</c> cannot be read.</param>
/// <param name="Versions">The versions of the page, newest first, published or refused.</param>
/// <param name="Next">The <c>before</c> of the next (older) page; null on the last.</param>
/// <param name="Unreadable">Versions of the page whose manifest cannot be read (not listed).</param>
public sealed record ModelVersions(string? Current, IReadOnlyList<ModelVersion> Versions, string? Next, int Unreadable);

/// <summary><c>GET /api/model</c>, <c>GET /api/model/versions</c> and <c>POST /api/model/retrain</c>.</summary>
public static class ModelApi
{
    /// <summary>The default and largest <c>count</c> of <c>GET /api/model/versions</c>.</summary>
    public const int DefaultCount = 20, MaxCount = 100;

    /// <summary>Maps the routes: the status is anonymous, a retrain needs a key.</summary>
    public static IEndpointRouteBuilder MapModelApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/model", GetModelAsync).WithName("GetModel").AllowAnonymousFunction()
            .WithTags("Model")
            .WithSummary("The published model, what this instance serves, and the last publish decision")
            .WithDescription("`current` is the published model's manifest. `lastDecision` names the newest candidate and what was decided; it carries that candidate's whole `manifest` only when `current` does not show it (a refused candidate), so no manifest is repeated. Older versions: `links.versions` (`GET /api/model/versions?count&before`). A pointer or model that cannot be read is reported (`status` `degraded`, with `reason`), not an error.")
            .WithProblems(StatusCodes.Status404NotFound, "No model has been published yet (`detail` says whether a candidate was refused, and why).", "model-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Model);
        routes.MapGet("/model/versions", GetVersionsAsync).WithName("GetModelVersions").AllowAnonymousFunction()
            .WithTags("Model")
            .WithSummary("Every candidate the trainer saved, newest first, published or refused")
            .WithDescription("Each version's data window, parameters, metrics and publish decision, with whether it was published and whether it is current; paged with `next`/`before`. A manifest that cannot be read is counted in `unreadable`, not listed.")
            .WithQuery("count", ApiSchemas.Count, "How many versions per page.")
            .WithQuery("before", () => ApiSchemas.Text(200), "The `next` of the previous page: the versions older than it. Absent: the newest.")
            .WithProblems(StatusCodes.Status400BadRequest, "A query parameter is invalid.", "validation")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.ModelVersions);
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
            last is null ? null : ModelDecision.From(last, published.Manifest),
            reason is null ? "healthy" : "degraded",
            reason,
            ModelLinks.Default));
    }

    /// <summary>
    /// A page of the stored versions, newest first (<c>count</c> of them, default 20, at most 100),
    /// older than <c>before</c> (the previous page's <c>next</c>), with the published one marked.
    /// </summary>
    public static async Task<Results<Ok<ModelVersions>, ValidationProblem, ProblemHttpResult>> GetVersionsAsync(
        HttpRequest request, ModelStore store, StorageGuard guard, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var count = QueryValues.WholeNumber(request, "count", DefaultCount, MaxCount, errors);

        var before = request.Query["before"].ToString() is { Length: > 0 } given ? given : null;
        if (before is { Length: > 200 })
        {
            errors["before"] = ["must be the `next` of a previous page (at most 200 characters)."];
        }

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        try
        {
            return TypedResults.Ok(await guard.ExecuteAsync(
                static (s, ct) => new ValueTask<ModelVersions>(ReadVersionsAsync(s.Store, s.Before, s.Count, ct)),
                (Store: store, Before: before, Count: count),
                cancellationToken));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }
    }

    private static async Task<ModelVersions> ReadVersionsAsync(ModelStore store, string? before, int count, CancellationToken cancellationToken)
    {
        string? current;
        try
        {
            current = (await store.GetCurrentAsync(cancellationToken))?.Pointer.Version;
        }
        catch (InvalidDataException)
        {
            // GET /api/model reports an unreadable pointer; here no version is marked current.
            current = null;
        }

        var page = await store.GetVersionsAsync(before, count, cancellationToken);
        return new ModelVersions(current, [.. page.Manifests.Select(m => ModelVersion.From(m, current))], page.Next, page.Unreadable);
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
