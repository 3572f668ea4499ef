using System.Net;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

public sealed class RateLimitTests(AzuriteFixture azurite)
{
    private static readonly Dictionary<string, string?> Tight = new()
    {
        ["Resso:RateLimits:PerSecond"] = "1",
        ["Resso:RateLimits:Burst"] = "3",
        ["Resso:RateLimits:ClaimsPerMinute"] = "2",
    };

    [Fact]
    public async Task AnonymousRoute_OverTheClientsBurst_Is429WithRetryAfter_WhileHealthAndKeyedRoutesAreNotLimited()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, Tight);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 6; i++)
        {
            var response = await host.Client.GetAsync(new Uri("/api/trending", UriKind.Relative));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited ??= response;
            }
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        for (var i = 0; i < 10; i++)
        {
            using var health = await host.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.NotEqual(HttpStatusCode.TooManyRequests, health.StatusCode);
        }
    }

    [Fact]
    public async Task ClaimCodes_GuessedRepeatedly_AreLimitedPerMinute()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, Tight);

        var statuses = new List<HttpStatusCode>();
        foreach (var code in new[] { "AAAAAAAAAA", "BBBBBBBBBB", "CCCCCCCCCC", "DDDDDDDDDD" })
        {
            using var response = await host.Client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task Disabled_NoRequestIsLimited()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>(Tight) { ["Resso:RateLimits:Enabled"] = "false" });

        for (var i = 0; i < 10; i++)
        {
            using var response = await host.Client.GetAsync(new Uri("/api/trending", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
