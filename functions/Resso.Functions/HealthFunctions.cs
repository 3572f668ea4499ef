using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Health;
using Resso.Ml.Serving;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class HealthFunctions(StorageHealthProbe probe, QueueBacklogProbe backlog, StorageProvisioner provisioner, ModelRefresher refresher)
{
    [Function("Health")]
    public async Task<IResult> Health(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        await HealthApi.GetHealthAsync(probe, backlog, provisioner, refresher, request.HttpContext.RequestAborted);
}
