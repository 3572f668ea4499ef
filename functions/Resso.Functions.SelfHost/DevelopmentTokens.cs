using Microsoft.Extensions.Options;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;
using Resso.Shared;

namespace Resso.Functions.SelfHost;

/// <summary>
/// The development token issuer: <c>POST /api/dev/token?userId=u_000001</c> answers a listener
/// access token (text/plain) signed with the sample's public development key, so the listener
/// routes can be tried locally without an identity provider. Mapped only in Development, and only
/// while the configuration accepts that key; never part of the API description.
/// </summary>
internal static class DevelopmentTokens
{
    /// <summary>How long a development token is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    public static void MapDevelopmentTokens(this WebApplication app)
    {
        if (!app.Environment.IsDevelopment()
            || !ListenerAuthentication.UsesDevelopmentIssuer(app.Services.GetRequiredService<IOptions<ListenerAuthOptions>>().Value))
        {
            return;
        }

        app.MapPost(RessoApi.RoutePrefix + "/dev/token", (HttpRequest request, TimeProvider clock) =>
            request.Query["userId"].ToString() is { } userId && Ids.IsValid(userId)
                ? Results.Text(ListenerAuthentication.CreateDevelopmentToken(userId, clock.GetUtcNow(), Lifetime))
                : Problems.Validation(new Dictionary<string, string[]> { ["userId"] = [Ids.Problem] }))
            .ExcludeFromDescription()
            .WithMetadata(SelfHostOnly.Instance);
    }
}
