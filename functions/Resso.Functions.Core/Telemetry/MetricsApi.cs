using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions.Core.Telemetry;

/// <summary><c>GET /api/metrics/ingestion?minutes</c>: this instance's ingestion per minute.</summary>
public static class MetricsApi
{
    /// <summary>The default and largest <c>minutes</c>.</summary>
    public const int DefaultMinutes = IngestionMinutes.Capacity, MaxMinutes = IngestionMinutes.Capacity;

    /// <summary>Maps the route (key required: an operator's view).</summary>
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/metrics/ingestion", GetIngestion).WithName("GetIngestionMetrics").RequireFunctionKey()
            .WithTags("Operations")
            .WithSummary("This instance's ingestion per minute")
            .WithDescription("Events accepted, counted, duplicate and rejected per UTC minute over the last `minutes` minutes, oldest first, every minute present (zeros where nothing happened), the current minute last, and their totals. Per instance: each instance counts what it handled since it started (`since`), so with several instances each answer is a part of the whole.")
            .WithQuery("minutes", () => ApiSchemas.Integer(1, MaxMinutes, DefaultMinutes), "How many minutes, the current one included.")
            .WithProblems(StatusCodes.Status400BadRequest, "A query parameter is invalid.", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Ingestion);
        return routes;
    }

    /// <summary>The last <c>minutes</c> minutes (default and at most 60) of this instance's ingestion.</summary>
    public static Results<Ok<IngestionReport>, ValidationProblem> GetIngestion(HttpRequest request, IngestionMinutes ingestion)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(ingestion);
        var errors = new Dictionary<string, string[]>();
        var minutes = QueryValues.WholeNumber(request, "minutes", DefaultMinutes, MaxMinutes, errors);
        return errors.Count > 0 ? Problems.Validation(errors) : TypedResults.Ok(ingestion.Read(minutes));
    }
}
