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
        var ex = Assert.Throws<Resso.Shared.Configuration.InvalidSettingsException>(() => Resso.Functions.SelfHost.SelfHostApp.Build(["--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1, proxy.internal",
        })));

        Assert.Contains("Resso__RateLimits__TrustedProxies: \"proxy.internal\"", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ipv6Clients_AreCountedByTheirSlash64_AndIpv4MappedAddressesAsIpv4()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>(Tight) { ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1" });

        // A phone with privacy extensions takes a new address within its /64 for every connection.
        var sameNetwork = await StatusesAsync(host, 5, i => i % 2 == 0 ? "2001:db8:1:2::1" : $"2001:db8:1:2:{i:x}:ffff:ffff:{i + 7:x}");
        var nextNetwork = await StatusesAsync(host, 3, i => $"2001:db8:1:3::{i + 1}");
        var mapped = await StatusesAsync(host, 5, i => i % 2 == 0 ? "::ffff:203.0.113.77" : "203.0.113.77");

        // The bucket gains a token a second: one tick may land among these requests, so at most one more passes.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], sameNetwork[..3]);
        Assert.Contains(HttpStatusCode.TooManyRequests, sameNetwork[3..]);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], nextNetwork);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], mapped[..3]);
        Assert.Contains(HttpStatusCode.TooManyRequests, mapped[3..]);
    }

    [Fact]
    public async Task OneClaimCode_TriedFromManyAddresses_IsLimitedPerCode()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1" });

        var sameCode = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            sameCode.Add(await ClaimAsync(host, "ABCDEFGHJK", $"198.51.100.{i + 1}"));
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.NotFound, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], sameCode);
        Assert.Equal(HttpStatusCode.NotFound, await ClaimAsync(host, "ABCDEFGHJM", "198.51.100.1")); // another code, an address that tried before
    }

    [Fact]
    public async Task OneClaimCode_TriedInManySpellings_SharesOneBudget()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1" });

        // Every spelling redeems the same claim, so none may buy more guesses at it.
        string[] spellings = ["ABCDEFGHJK", "abcdefghjk", "ABCDE-FGHJK", "abcde fghjk", "AbCdEfGhJk", "a-b-c-d-e-f-g-h-j-k", " ABCDEFGHJK "];
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < spellings.Length; i++)
        {
            statuses.Add(await ClaimAsync(host, Uri.EscapeDataString(spellings[i]), $"198.51.100.{i + 1}"));
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.NotFound, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task ClaimCodes_ManyPhonesBehindOneCarrierNatAddress_AreNotRefused_UpToThePerAddressBudget()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?> { ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1" });

        // 50 installs behind one address within a minute, each redeeming its own code.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 50; i++)
        {
            statuses.Add(await ClaimAsync(host, Code(i), "100.64.0.1"));
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.NotFound, status));

        // The budget still ends: the bucket refills at one a second, so within a few more some are refused.
        var beyond = new List<HttpStatusCode>();
        for (var i = 50; i < 64; i++)
        {
            beyond.Add(await ClaimAsync(host, Code(i), "100.64.0.1"));
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, beyond);

        static string Code(int i) => "CGNAT" + Resso.Shared.Links.ClaimCodes.Alphabet[i % 32] + Resso.Shared.Links.ClaimCodes.Alphabet[i / 32] + "ZZZ";
    }

    [Fact]
    public async Task KeyedRoutes_AreLimitedPerKey_EachKeyWithItsOwnBudget()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Resso:Api:Keys"] = $"{SelfHostServer.TestKey},second-key-for-tests",
            ["Resso:RateLimits:KeyedPerSecond"] = "1",
            ["Resso:RateLimits:KeyedBurst"] = "3",
        });

        // At once, so that the bucket's one token a second hardly matters: 3 pass, at most one more.
        var first = await Task.WhenAll(Enumerable.Range(0, 7).Select(_ => EventsAsync(host, SelfHostServer.TestKey)));
        var second = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => EventsAsync(host, "second-key-for-tests")));

        Assert.InRange(first.Count(status => status == HttpStatusCode.TooManyRequests), 3, 4);
        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, second);
        Assert.DoesNotContain(HttpStatusCode.Unauthorized, first.Concat(second));
    }

    [Fact]
    public async Task KeyedRoutes_ByDefault_TakeMoreThanTheIngestionBenchmarkSends()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        // The ingestion benchmark posts ~16 batches a second and the soak ~73; 150 at once is a burst neither reaches.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 150).Select(_ => EventsAsync(host, SelfHostServer.TestKey)));

        Assert.DoesNotContain(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task RepeatedUnauthorized_LocksTheClientOutWith429_EvenWithAGoodKey_WhileOthersGoOn()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Resso:RateLimits:TrustedProxies"] = "127.0.0.1,::1",
            ["Resso:RateLimits:UnauthorizedPerMinute"] = "3",
            ["Resso:RateLimits:UnauthorizedLockout"] = "00:01:00",
        });

        var guessing = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            guessing.Add(await KeyedAsync(host, i % 2 == 0 ? $"guess-{i}" : null, "203.0.113.66"));
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], guessing);
        // Locked out before the key is looked at, on every route; another client is not.
        Assert.Equal(HttpStatusCode.TooManyRequests, await KeyedAsync(host, SelfHostServer.TestKey, "203.0.113.66"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await ClaimAsync(host, "ABCDEFGHJK", "203.0.113.66"));
        Assert.Equal(HttpStatusCode.OK, await KeyedAsync(host, SelfHostServer.TestKey, "203.0.113.67"));
    }

    [Theory]
    [InlineData("ClaimCodeWindow", "00:00:00")]
    [InlineData("UnauthorizedLockout", "2.00:00:00")]
    [InlineData("KeyedPerSecond", "0")]
    [InlineData("KeyedBurst", "0")]
    [InlineData("ClaimAttemptsPerCode", "0")]
    [InlineData("ClaimsPerMinuteTotal", "0")]
    [InlineData("UnauthorizedPerMinute", "0")]
    public void Limit_OutOfRange_StopsStartUpNamingTheSetting(string setting, string value)
    {
        var ex = Assert.Throws<Resso.Shared.Configuration.InvalidSettingsException>(() => Resso.Functions.SelfHost.SelfHostApp.Build(["--environment", "Development"], builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            [$"Resso:RateLimits:{setting}"] = value,
        })));

        Assert.Contains(setting, ex.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpStatusCode> ClaimAsync(SelfHostServer host, string code, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/claims/{code}", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<HttpStatusCode> KeyedAsync(SelfHostServer host, string? key, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/reports/attribution?groupBy=song", UriKind.Relative));
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
    }

    // An empty batch: refused (400) without touching storage, so only the limit decides the pace.
    private static async Task<HttpStatusCode> EventsAsync(SelfHostServer host, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/events", UriKind.Relative)) { Content = new StringContent("{\"events\":[]}", System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-functions-key", key);
        using var response = await host.Client.SendAsync(request);
        return response.StatusCode;
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
