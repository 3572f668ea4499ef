using Microsoft.Playwright;
using Resso.Testing;

namespace Resso.Dashboard.Tests;

/// <summary>The key: asked once, kept for the tab, sent only in the header; a wrong one refused clearly.</summary>
public sealed class KeyTests(DashboardWorld world)
{
    [Fact]
    public async Task WrongKey_IsRefusedWithAMessage_ThenTheRightKeyShowsTheFunnel()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel", key: "not-the-key");

        var message = session.Page.Locator("#key-message");
        await Assertions.Expect(message).ToContainTextAsync("refused");
        await Assertions.Expect(session.Page.Locator("#key-form")).ToBeVisibleAsync();

        await session.EnterKeyAsync(SelfHostServer.TestKey);
        await session.ReadyAsync("funnel");
        Assert.True(await session.Page.Locator("#funnel-table tbody tr").CountAsync() > 0);
        // The refused request is the page's expected 401, which Chromium logs as a failed resource; nothing else may be logged.
        Assert.All(session.Errors, e => Assert.Contains("401", e, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Key_IsKeptForTheTab_SentOnlyInTheHeader_NeverInAUrl_AndCanBeForgotten()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        var headers = new List<string?>();
        session.Page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/reports/", StringComparison.Ordinal))
            {
                headers.Add(request.Headers.GetValueOrDefault("x-functions-key"));
            }
        };
        await session.ReadyAsync("funnel");

        // Another page and a reload: no second prompt, the key comes from sessionStorage.
        await session.Page.Locator("a[data-page=over-time]").ClickAsync();
        await session.ReadyAsync("over-time");
        await session.Page.ReloadAsync();
        await session.ReadyAsync("over-time");
        Assert.False(await session.Page.Locator("#key-form").IsVisibleAsync());
        Assert.Equal(SelfHostServer.TestKey, await session.Page.EvaluateAsync<string>("() => sessionStorage.getItem('resso.dashboard.key')"));
        Assert.NotEmpty(headers);
        Assert.All(headers, h => Assert.Equal(SelfHostServer.TestKey, h));
        Assert.All(session.Requests, url => Assert.DoesNotContain(SelfHostServer.TestKey, url, StringComparison.Ordinal));

        await session.Page.Locator("#key-forget").ClickAsync();
        Assert.Null(await session.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('resso.dashboard.key')"));
        await Assertions.Expect(session.Page.Locator("#key-form")).ToBeVisibleAsync();
        session.AssertClean();
    }

    [Fact]
    public async Task EveryPage_RendersUnderItsContentSecurityPolicy_WithoutErrors_FromThisOriginOnly()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        var policies = new List<string?>();
        session.Page.Response += (_, response) =>
        {
            if (new Uri(response.Url).AbsolutePath.StartsWith("/dashboard/", StringComparison.Ordinal))
            {
                policies.Add(response.Headers.GetValueOrDefault("content-security-policy"));
            }
        };
        await session.Page.ReloadAsync();

        foreach (var page in new[] { "funnel", "over-time", "experiments", "trending", "model", "ingestion" })
        {
            await session.Page.Locator($"a[data-page={page}]").ClickAsync();
            await session.ReadyAsync(page);
            await session.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await session.ScreenshotAsync(page);
        }

        Assert.NotEmpty(policies);
        Assert.All(policies, p => Assert.Contains("script-src 'self'", p ?? "", StringComparison.Ordinal));
        session.AssertClean();
    }
}
