using Resso.Functions.Worker.Tests.Harness;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests;

/// <summary>
/// On Azure the Functions host forwards each request to the worker on loopback and sets
/// X-Forwarded-For to the address it saw; infra trusts loopback (Resso__RateLimits__TrustedProxies).
/// The worker's rate-limit middleware then limits per forwarded client, and a client that writes
/// its own X-Forwarded-For does not choose its bucket.
/// </summary>
public sealed class ForwardedClientTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task BehindTheHostOnLoopback_EachForwardedClientHasItsOwnClaimBudget_AndASpoofedEntryIsIgnored()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, Limits("127.0.0.1,::1"));

        var first = await ClaimStatusesAsync(worker, 3, _ => "203.0.113.1");
        var second = await ClaimStatusesAsync(worker, 1, _ => "203.0.113.2");
        var spoofing = await ClaimStatusesAsync(worker, 2, i => $"198.51.100.{i + 1}, 203.0.113.1");

        Assert.Equal([404, 404, 429], first);
        Assert.Equal([404], second);
        Assert.Equal([429, 429], spoofing);
    }

    [Fact]
    public async Task NoProxyTrusted_ForwardedForIsIgnored_RotatingItDoesNotEscapeTheLimit()
    {
        await using var worker = await WorkerHost.StartAsync(azurite.ConnectionString, Limits(""));

        var statuses = await ClaimStatusesAsync(worker, 4, i => $"203.0.113.{i + 1}");

        Assert.Equal([404, 404, 429, 429], statuses);
    }

    private static Dictionary<string, string?> Limits(string trustedProxies) => new()
    {
        ["Resso:RateLimits:ClaimsPerMinute"] = "2",
        ["Resso:RateLimits:TrustedProxies"] = trustedProxies,
    };

    private static async Task<List<int>> ClaimStatusesAsync(WorkerHost worker, int count, Func<int, string> forwardedFor)
    {
        var statuses = new List<int>();
        for (var i = 0; i < count; i++)
        {
            using var request = Requests.Json(HttpMethod.Post, "/api/claims/ABCDEFGHJK", new { }, key: null);
            request.Headers.Add("X-Forwarded-For", forwardedFor(i));
            statuses.Add((await worker.SendAsync(request)).Status);
        }

        return statuses;
    }
}
