using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Ml.Serving;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Health;

/// <summary>What <c>GET /api/health</c> answers.</summary>
/// <param name="Status"><c>healthy</c>; <c>degraded</c> when storage is fine but the published model cannot be read (see <paramref name="Model"/>); <c>unhealthy</c> when storage does not answer or the app's resources do not exist.</param>
/// <param name="Version">The running build.</param>
/// <param name="Storage">Reachability of Tables, Queues and Blobs.</param>
/// <param name="StorageProvisioned">The app's tables, queues and containers have been created.</param>
/// <param name="Model">The served model against the published one.</param>
/// <param name="Queues">The ingestion backlog: depth, oldest message, poison messages and this instance's processing lag of each queue (read every few seconds at most; a queue that cannot be read says why, and does not by itself make the report unhealthy).</param>
public sealed record HealthReport(string Status, string Version, StorageHealth Storage, bool StorageProvisioned, ModelHealth Model, QueuesHealth Queues);

/// <summary>The served model against the published one, as this instance last saw it.</summary>
/// <param name="Status"><c>healthy</c> (the published model is served), <c>none</c> (nothing published yet), <c>unknown</c> (not looked at yet) or <c>degraded</c> (the published model or its pointer cannot be read).</param>
/// <param name="Serving">The version this instance serves; null when none.</param>
/// <param name="Current">The published version; null when none, or when <c>current.json</c> cannot be read.</param>
/// <param name="Reason">What cannot be read, when degraded.</param>
public sealed record ModelHealth(string Status, string? Serving, string? Current, string? Reason);

/// <summary>Liveness, storage reachability and the served model.</summary>
public static class HealthApi
{
    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Maps <c>GET /health</c>.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", GetHealthAsync).WithName("Health").AllowAnonymousFunction()
            .WithTags("Operations")
            .WithSummary("Liveness, storage reachability, the served model and the queues' backlog")
            .WithDescription("`200` when storage is usable (`status` `healthy`, or `degraded` when the published model cannot be read and an older one, or none, is served); `503` with the same report when storage does not answer or the app's resources do not exist. `queues` gives each queue's depth (messages waiting or being processed: 0 when everything sent has been processed), the oldest waiting message's age, the poison queue's depth and the last processing lag seen by this instance; it never turns the answer `503` by itself. Not rate-limited.")
            .WithJsonResponse<HealthReport>(StatusCodes.Status503ServiceUnavailable, "Storage does not answer, or the app's tables, queues and containers do not exist (`status` `unhealthy`).")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Health);
        return routes;
    }

    /// <summary>
    /// <c>200</c> with the report when storage is usable, <c>503</c> with the same report when not. A
    /// model that cannot be read makes the report <c>degraded</c> but stays <c>200</c>: the instance
    /// answers every route (with an older model, or trending), and a liveness probe that restarted it
    /// would only bring back the same unreadable model.
    /// </summary>
    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealthAsync(
        StorageHealthProbe probe, QueueBacklogProbe backlog, StorageProvisioner provisioner, ModelRefresher refresher, CancellationToken cancellationToken)
    {
        var queues = backlog.CheckAsync(cancellationToken);
        var storage = await probe.CheckAsync(cancellationToken);
        var healthy = storage.AllReachable && provisioner.IsReady;
        var model = Describe(refresher.Status);
        var status = !healthy ? "unhealthy" : model.Status == "degraded" ? "degraded" : "healthy";
        var report = new HealthReport(status, Version, storage, provisioner.IsReady, model, await queues);
        return healthy
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static ModelHealth Describe(ModelServingStatus model) => model switch
    {
        { IsDegraded: true } => new ModelHealth("degraded", model.Serving, model.Current, model.Reason),
        { Checked: false } => new ModelHealth("unknown", model.Serving, null, null),
        { Current: null } => new ModelHealth("none", model.Serving, null, null),
        _ => new ModelHealth("healthy", model.Serving, model.Current, null),
    };
}
