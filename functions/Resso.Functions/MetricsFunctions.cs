using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Telemetry;

namespace Resso.Functions;

public sealed class MetricsFunctions(IngestionMinutes ingestion)
{
    [Function("GetIngestionMetrics")]
    public IResult GetIngestionMetrics(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "metrics/ingestion")] HttpRequest request) =>
        MetricsApi.GetIngestion(request, ingestion);
}
