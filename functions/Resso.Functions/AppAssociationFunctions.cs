using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Links;

namespace Resso.Functions;

/// <summary>
/// The app-association files under the route prefix; Front Door in front of the link host rewrites
/// <c>/.well-known/…</c> here (infra/modules/frontdoor.bicep), since the Functions host serves HTTP
/// functions only under <c>/api</c>.
/// </summary>
public sealed class AppAssociationFunctions(IOptions<AppAssociationOptions> options)
{
    [Function("AppleAppSiteAssociation")]
    public IResult Apple(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "well-known/apple-app-site-association")] HttpRequest request) =>
        AppAssociation.Apple(request, options);

    [Function("AndroidAssetLinks")]
    public IResult Android(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "well-known/assetlinks.json")] HttpRequest request) =>
        AppAssociation.Android(request, options);
}
