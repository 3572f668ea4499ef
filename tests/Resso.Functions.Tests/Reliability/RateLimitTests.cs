using System.Net;
using Microsoft.Extensions.Configuration;
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
    public async Task KeyedReport_ManyRequests_IsNotLimitedAsAnonymous()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, Tight);

        for (var i = 0; i < 6; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/attribution?groupBy=song", UriKind.Relative));
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            using var response = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task BehindATrustedProxy_EachForwardedClientHasItsOwnBucket()
    {
        // The test's loopback connection plays the trusted proxy (the Functions host forwards on loopback).
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>(Tight) { ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1" });

        var first = await StatusesAsync(host, 5, _ => "203.0.113.1");
        var second = await StatusesAsync(host, 3, _ => "203.0.113.2");
        // What a client writes itself comes before what the proxy appends: only the proxy's entry counts.
        var spoofing = await StatusesAsync(host, 3, i => $"198.51.100.{i + 1}, 203.0.113.1");

        // The bucket gains a token every second on a timer, so one tick may land among these requests: at most one more passes.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], first[..3]);
        Assert.Contains(HttpStatusCode.TooManyRequests, first[3..]);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], second);
        Assert.True(spoofing.Count(status => status == HttpStatusCode.TooManyRequests) >= 2, string.Join(",", spoofing));
    }

    [Theory]
    [InlineData("")] // no proxy trusted: the header is the client's own words
    [InlineData("10.0.0.1")] // a proxy is trusted, but this connection does not come from it
    public async Task ForwardedForFromAnUntrustedConnection_IsIgnored_RotatingItDoesNotEscapeTheLimit(string trusted)
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>(Tight) { ["Resso:RateLimits:TrustedProxies"] = trusted });

        var statuses = await StatusesAsync(host, 6, i => $"203.0.113.{i + 1}");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses.Skip(3));
    }

    [Fact]
    public void TrustedProxies_NotAnAddressOrNetwork_StopsStartUpNamingTheSetting()
    {
        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => Resso.Functions.SelfHost.SelfHostApp.Build(["--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1, proxy.internal",
        })));

        Assert.Contains("Resso__RateLimits__TrustedProxies: \"proxy.internal\"", ex.Message, StringComparison.Ordinal);
    }

    private static async Task<List<HttpStatusCode>> StatusesAsync(SelfHostServer host, int count, Func<int, string> forwardedFor)
    {
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/trending", UriKind.Relative));
            request.Headers.Add("X-Forwarded-For", forwardedFor(i));
            using var response = await host.Client.SendAsync(request);
            statuses.Add(response.StatusCode);
        }

        return statuses;
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
