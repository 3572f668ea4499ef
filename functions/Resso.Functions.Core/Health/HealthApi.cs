using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Health;

/// <summary>What <c>GET /api/health</c> answers.</summary>
/// <param name="Status"><c>healthy</c> when storage answers and the app's resources exist, else <c>unhealthy</c>.</param>
/// <param name="Version">The running build.</param>
/// <param name="Storage">Reachability of Tables, Queues and Blobs.</param>
/// <param name="StorageProvisioned">The app's tables, queues and containers have been created.</param>
public sealed record HealthReport(string Status, string Version, StorageHealth Storage, bool StorageProvisioned);

/// <summary>Liveness and storage reachability.</summary>
public static class HealthApi
{
    private static readonly string Version =
        typeof(HealthApi).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Maps <c>GET /health</c>.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/health", GetHealthAsync).WithName("Health").AllowAnonymousFunction();
        return routes;
    }

    /// <summary><c>200</c> with the report when storage is usable, <c>503</c> with the same report when not.</summary>
    public static async Task<Results<Ok<HealthReport>, JsonHttpResult<HealthReport>>> GetHealthAsync(
        StorageHealthProbe probe, StorageProvisioner provisioner, CancellationToken cancellationToken)
    {
        var storage = await probe.CheckAsync(cancellationToken);
        var healthy = storage.AllReachable && provisioner.IsReady;
        var report = new HealthReport(healthy ? "healthy" : "unhealthy", Version, storage, provisioner.IsReady);
        return healthy
            ? TypedResults.Ok(report)
            : TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
