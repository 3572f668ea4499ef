using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Catalog;
using Resso.Functions.Core.Claims;
using Resso.Functions.Core.Conversions;
using Resso.Functions.Core.Dashboard;
using Resso.Functions.Core.Links;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Offers;
using Resso.Functions.Core.Privacy;
using Resso.Functions.Core.Reports;
using Resso.Functions.Core.Events;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Model;
using Resso.Functions.Core.Telemetry;

namespace Resso.Functions.Core;

/// <summary>The public HTTP API, mapped under <c>/api</c> as the Functions host does.</summary>
public static class RessoApi
{
    /// <summary>The route prefix of every function (host.json <c>extensions.http.routePrefix</c>).</summary>
    public const string RoutePrefix = "/api";

    /// <summary>Where both hosts serve the OpenAPI document of this API.</summary>
    public const string OpenApiPath = RoutePrefix + "/openapi.json";

    /// <summary>Maps every route of the public API.</summary>
    public static IEndpointRouteBuilder MapRessoApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup(RoutePrefix);
        api.MapHealthApi();
        api.MapEventsApi();
        api.MapSongsApi();
        api.MapModelApi();
        api.MapOffersApi();
        api.MapLinksApi();
        api.MapAppAssociationApi();
        api.MapClaimsApi();
        api.MapConversionsApi();
        api.MapReportsApi();
        api.MapListenersApi();
        api.MapPrivacyApi();
        api.MapMetricsApi();
        api.MapDashboard();
        return routes;
    }
}
