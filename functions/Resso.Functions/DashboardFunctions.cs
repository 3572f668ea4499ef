using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Dashboard;

namespace Resso.Functions;

/// <summary>The dashboard's page, scripts and styles at <c>/api/dashboard/</c>; the page asks for a key before it reads any report.</summary>
public sealed class DashboardFunctions
{
    [Function("Dashboard")]
    public IResult Dashboard(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{*path}")] HttpRequest request) =>
        DashboardFiles.Serve(request.HttpContext);
}
