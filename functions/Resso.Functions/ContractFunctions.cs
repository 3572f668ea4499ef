using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Contract;

namespace Resso.Functions;

public sealed class ContractFunctions
{
    [Function("GetOpenApiDocument")]
    public IResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        ApiContract.DocumentFile(AppContext.BaseDirectory);
}
